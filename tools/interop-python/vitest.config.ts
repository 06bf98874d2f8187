import { defineProject } from "vitest/config"

// Not part of `./dev test`: it needs Debian's python3-azure and python3-azure-storage, which a developer's machine
// may lack. `.ci/run` installs them and runs it as a stage of its own (`pnpm test:interop`); without them the
// global setup fails, saying how to install them.
export default defineProject({
  test: {
    name: "interop-python",
    include: ["test/**/*.test.ts"],
    globalSetup: ["./src/requirePythonSdk.ts"],
    // Each Python step starts an interpreter and a uamqp connection over TLS: seconds, more on a loaded machine.
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
})
