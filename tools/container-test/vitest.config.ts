import { defineProject } from "vitest/config"

// Not part of `./dev test`: it needs podman and a built image. `run.sh` (the `.ci/run` stage) sets both up first.
export default defineProject({
  test: {
    name: "container-test",
    include: ["test/**/*.test.ts"],
    testTimeout: 900_000,
    hookTimeout: 300_000,
  },
})
