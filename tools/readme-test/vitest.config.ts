import { defineProject } from "vitest/config"

// Not part of `./dev test`: `.ci/run` runs it as a stage of its own (`./dev test:readme`), as the blocks it runs start
// the demo, the local stack and the emulator as processes, and one of them is a test run of its own.
export default defineProject({
  test: {
    name: "readme-test",
    include: ["test/**/*.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    maxConcurrency: 3,
  },
})
