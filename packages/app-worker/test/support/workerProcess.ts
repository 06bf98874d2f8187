import { type ChildProcess, spawn } from "node:child_process"
import { readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { workerNodeFlags } from "../../src/nodeFlags.ts"

const bin = fileURLToPath(new URL("../../src/bin.ts", import.meta.url))

export interface WorkerProcess {
  readonly child: ChildProcess
  /** Everything written to standard output and standard error so far. */
  readonly output: () => string
  /** What was written to standard output alone. */
  readonly stdout: () => string
  /** Resolves with the exit code (or the signal's name) once the process ended. */
  readonly exited: Promise<number | string>
}

/** Starts `haymaker-worker <args>` as a separate process, as an operator would (in `cwd`, if given). */
export const startWorkerProcess = (
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  cwd?: string,
): WorkerProcess => {
  const child = spawn(process.execPath, [...workerNodeFlags, bin, ...args], {
    env: { PATH: process.env.PATH ?? "", HAYMAKER_LOG_FORMAT: "json", HAYMAKER_HTTP_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    ...(cwd === undefined ? {} : { cwd }),
  })
  let output = ""
  let stdout = ""
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8")
    stdout += chunk.toString("utf8")
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8")
  })
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  )
  return { child, output: () => output, stdout: () => stdout, exited }
}

const filesUnder = async (dir: string): Promise<Array<string>> => {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name))
}

/** The message id of every line of the filesystem archive, copies from redeliveries included. */
export const archivedMessageIds = async (sinkDir: string): Promise<Array<string>> => {
  const ids: Array<string> = []
  for (const file of await filesUnder(join(sinkDir, "archive"))) {
    for (const line of (await readFile(file, "utf8")).split("\n")) {
      if (line.trim() !== "") ids.push((JSON.parse(line) as { message: { message_id: string } }).message.message_id)
    }
  }
  return ids
}

/**
 * The `message_id` of every Log Analytics row the filesystem sink appended, duplicates included. A worker killed
 * mid-append may leave one torn line; like a log reader, this skips what does not parse.
 */
export const loggedMessageIds = async (sinkDir: string): Promise<Array<string>> => {
  const ids: Array<string> = []
  for (const file of await filesUnder(join(sinkDir, "log-analytics"))) {
    for (const line of (await readFile(file, "utf8")).split("\n")) {
      try {
        if (line.trim() !== "") ids.push((JSON.parse(line) as { message_id: string }).message_id)
      } catch {
        // a torn line
      }
    }
  }
  return ids
}

/** Polls `check` every 50 ms until it holds or `timeoutMs` passed; returns whether it held. */
export const eventually = async (check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return check()
}
