import { defineProject } from "vitest/config"

// Not part of `./dev test`: `.ci/run` runs it as a stage of its own (`pnpm test:registry`), as it installs from a
// registry and takes minutes.
export default defineProject({
  test: {
    name: "registry-test",
    include: ["test/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 900_000,
  },
})
