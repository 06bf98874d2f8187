import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "adapters-sinks",
    // Property tests: a seed from FC_SEED, fixed on CI, random locally; a failure prints how to replay it.
    setupFiles: ["../../scripts/fastCheckSeed.ts"],
    include: ["test/**/*.test.ts"],
    // Integration suites talk to real local peers; on a shared 2-core CI machine a test can wait its turn for a while.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
