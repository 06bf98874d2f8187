import { spawn } from "node:child_process"
import type { NodeRuntime } from "./nodes.ts"

export interface EmulatorProcess {
  readonly connectionString: string
  readonly close: () => Promise<void>
}

/** `npx @haymaker/servicebus-emulator --port 0 --http-port 0` in `cwd` on `runtime`; resolves on its ready line. */
export const npxEmulator = (runtime: NodeRuntime, npx: string, cwd: string, env: NodeJS.ProcessEnv) =>
  new Promise<EmulatorProcess>((resolve, reject) => {
    // Its own process group: npx starts the emulator as a grandchild, and closing stops both.
    const child = spawn(runtime.node, [npx, "@haymaker/servicebus-emulator", "--port", "0", "--http-port", "0"], {
      cwd,
      env: { ...env, PATH: runtime.path },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    })
    let stdout = ""
    let stderr = ""
    const exited = new Promise<void>((done) => child.once("exit", () => done()))
    const close = async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(-child.pid)
      await exited
    }
    const timer = setTimeout(() => {
      void close()
      reject(new Error(`the emulator printed no ready line within 60 s\n${stdout}\n${stderr}`))
    }, 60_000)
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-8_192)
    })
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8")
      const line = stdout.split("\n").find((text) => text.includes('"event":"ready"'))
      if (line !== undefined) {
        clearTimeout(timer)
        resolve({ connectionString: (JSON.parse(line) as { connectionString: string }).connectionString, close })
      }
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`the emulator exited (code ${code})\n${stdout}\n${stderr}`))
    })
  })
