import { spawn } from "node:child_process"

export interface RunOptions {
  readonly cwd: string
  readonly env: NodeJS.ProcessEnv
  /** Default 5 minutes: installs go through the registry's uplink. */
  readonly timeoutMs?: number
  /** Resolve with the result instead of rejecting when the command exits with a non-zero code. */
  readonly allowFailure?: boolean
}

export interface RunResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command without a shell; rejects with its output when it fails or times out. */
export const run = (command: string, args: ReadonlyArray<string>, options: RunOptions): Promise<RunResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8")
    })
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8")
    })
    const timeoutMs = options.timeoutMs ?? 300_000
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    const describe = () => `${command} ${args.join(" ")} (in ${options.cwd})`
    child.once("error", (error) => {
      clearTimeout(timer)
      reject(new Error(`${describe()} could not start: ${error.message}`, { cause: error }))
    })
    child.once("close", (code, signal) => {
      clearTimeout(timer)
      const result = { code, stdout, stderr }
      if (code === 0 || (options.allowFailure === true && signal === null)) resolve(result)
      else {
        const why = signal === null ? `exit code ${code}` : `signal ${signal} (timeout ${timeoutMs} ms?)`
        reject(new Error(`${describe()} failed with ${why}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`))
      }
    })
  })
