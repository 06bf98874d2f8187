import { pythonInterpreter, pythonSdkVersions } from "./python.ts"

/** Vitest global setup: the suite fails at once, saying how to install the SDK, when the interpreter lacks it. */
export default function setup(): void {
  const versions = pythonSdkVersions()
  process.stdout.write(`Python interop: ${pythonInterpreter()} with ${JSON.stringify(versions)}\n`)
}
