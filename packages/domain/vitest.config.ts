import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "domain",
    // Property tests: a seed from FC_SEED, fixed on CI, random locally; a failure prints how to replay it.
    setupFiles: ["../../scripts/fastCheckSeed.ts"],
    include: ["test/**/*.test.ts"],
  },
})
