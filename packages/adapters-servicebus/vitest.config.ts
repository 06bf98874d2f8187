import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "adapters-servicebus",
    // Property tests: a seed from FC_SEED, fixed on CI, random locally; a failure prints how to replay it.
    setupFiles: ["../../scripts/fastCheckSeed.ts"],
    include: ["test/**/*.test.ts"],
    // Integration suites talk to real local peers; on a shared 2-core CI machine a test can wait its turn for a while.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // A worker per file: test/unpatchedRhea.test.ts loads rhea without this repository's patch for its file only.
    isolate: true,
  },
})
