import { type ChildProcess, spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"

const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url))

/** The JSON line the CLI prints once it listens. */
export interface Ready {
  readonly connectionString: string
  readonly port: number
  readonly httpPort: number
  readonly webSocketUrl: string
  readonly tlsConnectionString?: string
  readonly caPath?: string
}

/** The emulator CLI in a child process (stdout: the ready line; stderr: its logs). */
export const runCli = (args: ReadonlyArray<string>): ChildProcess =>
  spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] })

export const firstLine = (child: ChildProcess): Promise<string> =>
  new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    lines.once("line", (line) => {
      lines.close()
      resolve(line)
    })
    child.once("exit", (code) => reject(new Error(`the CLI exited with ${code} before printing a line`)))
  })

export const exited = (child: ChildProcess): Promise<{ code: number | null; signal: string | null; stderr: string }> =>
  new Promise((resolve) => {
    let stderr = ""
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8")
    })
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode, stderr })
      return
    }
    child.once("exit", (code, signal) => resolve({ code, signal, stderr }))
  })
