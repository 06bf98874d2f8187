import { defineConfig } from "vitest/config"

// One root config; every package is a project with its own vitest.config.ts.
export default defineConfig({
  test: {
    projects: ["packages/*"],
    reporters: ["default", "./scripts/summary-reporter.ts"],
  },
})
