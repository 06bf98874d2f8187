import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { workerNodeFlags } from "../../src/nodeFlags.ts"

const bin = fileURLToPath(new URL("../../src/bin.ts", import.meta.url))

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `haymaker-worker <args>` to completion as a separate process, as an operator would, with only `env` set. */
export const runCli = (args: ReadonlyArray<string>, env: Record<string, string>, cwd?: string): Promise<CliResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...workerNodeFlags, bin, ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      ...(cwd === undefined ? {} : { cwd }),
    })
    const stdout: Array<Buffer> = []
    const stderr: Array<Buffer> = []
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk))
    child.once("error", reject)
    child.once("close", (code) =>
      resolve({ code, stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8") }),
    )
  })
