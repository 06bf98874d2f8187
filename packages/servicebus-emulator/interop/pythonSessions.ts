import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startEmulator } from "../src/index.ts"

/**
 * Runs `sessions.py` (the Python SDK, azure-servicebus 7.x on uamqp) against an emulator with TLS. Needs a Python with
 * `azure-servicebus` (Debian: python3-azure); `PYTHON` picks the interpreter (default /usr/bin/python3). Not part
 * of the test suite: CI has Node only.
 */
const python = process.env.PYTHON ?? "/usr/bin/python3"
const directory = mkdtempSync(join(tmpdir(), "servicebus-emulator-interop-"))
const emulator = await startEmulator({
  tls: true,
  caOut: join(directory, "ca.pem"),
  config: {
    UserConfig: {
      Namespaces: [
        {
          Name: "sbemulatorns",
          Queues: [{ Name: "orders", Properties: { RequiresSession: true, LockDuration: "PT30S" } }],
        },
      ],
    },
  },
})
let status = 1
try {
  const script = join(import.meta.dirname, "sessions.py")
  // Asynchronously: the emulator serves from this process's event loop meanwhile.
  const child = spawn(python, [script, String(emulator.port), emulator.caPath ?? ""], {
    stdio: "inherit",
    timeout: 120_000,
  })
  status = await new Promise<number>((resolve) => {
    child.on("error", (error) => {
      process.stderr.write(`could not run ${python}: ${error.message}\n`)
      resolve(1)
    })
    child.on("close", (code) => resolve(code ?? 1))
  })
} finally {
  await emulator.close()
  rmSync(directory, { recursive: true, force: true })
}
process.exit(status)
