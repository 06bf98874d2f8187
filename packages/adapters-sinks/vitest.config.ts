import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "adapters-sinks",
    include: ["test/**/*.test.ts"],
  },
})
