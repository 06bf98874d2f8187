import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { CodeBlock } from "./codeBlocks.ts"

/** The caller's PATH without what the toolchain and pnpm put on it: where the machine's own Node and npm are. */
export const machinePath = (path: string): string => {
  const kept = path.split(":").filter((entry) => entry !== "" && !/\/(\.toolchain|node_modules)(\/|$)/.test(entry))
  return kept.length > 0 ? kept.join(":") : "/usr/local/bin:/usr/bin:/bin"
}

/**
 * What a reader's terminal would have: the machine's own tools only (its Node and npm; no toolchain, no pnpm), and
 * the ports of what the blocks start chosen free, so the test runs beside anything else on the machine.
 */
export const readerEnvironment = (): Record<string, string> => ({
  HOME: process.env.HOME ?? "/root",
  USER: process.env.USER ?? "root",
  LANG: "C.UTF-8",
  TERM: "dumb",
  PATH: machinePath(process.env.PATH ?? ""),
  ...(process.env.TMPDIR === undefined ? {} : { TMPDIR: process.env.TMPDIR }),
  HAYMAKER_HTTP_PORT: "0",
  HAYMAKER_LOCAL_EMULATOR_PORT: "0",
  HAYMAKER_LOCAL_EMULATOR_HTTP_PORT: "0",
  HAYMAKER_LOCAL_AZURITE_PORT: "0",
  HAYMAKER_LOCAL_LOGS_INGESTION_PORT: "0",
})

export interface BlockResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly output: string
}

interface Running {
  readonly block: CodeBlock
  readonly child: ChildProcess
  readonly output: () => string
  readonly exited: Promise<BlockResult>
}

const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`

/**
 * One reader's shell over a file's blocks: each block runs in `bash -e -o pipefail` in the repository copy, and
 * what it exports and where it `cd`s carry over to the next block, as they would in one terminal. A background block
 * (```` ```sh runnable background ready="…" ````) keeps running, like a second terminal, from the moment its output
 * shows the `ready` text until the session ends: then it gets SIGINT, as from Ctrl-C, and must exit 0.
 */
export class ShellSession {
  private readonly state: string
  private readonly background: Array<Running> = []
  readonly directory: string
  private readonly environment: Record<string, string>

  constructor(directory: string, environment: Record<string, string>) {
    this.directory = directory
    this.environment = environment
    this.state = join(directory, ".readme-test")
    mkdirSync(this.state, { recursive: true })
  }

  private start(block: CodeBlock, keepState: boolean): Running {
    const envFile = join(this.state, "env")
    const cwdFile = join(this.state, "cwd")
    const script = [
      existsSync(envFile) ? `source ${quote(envFile)}` : "",
      `cd "$(cat ${quote(cwdFile)} 2>/dev/null || echo ${quote(this.directory)})"`,
      keepState ? `trap 'export -p > ${quote(envFile)}; pwd > ${quote(cwdFile)}' EXIT` : "",
      block.code,
    ].join("\n")
    const file = join(this.state, `block-${block.line}.sh`)
    writeFileSync(file, script)
    const child = spawn("bash", ["--noprofile", "--norc", "-e", "-o", "pipefail", file], {
      cwd: this.directory,
      env: this.environment,
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, so that everything it started can be signalled at once.
      detached: true,
    })
    let output = ""
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString()
    })
    const exited = new Promise<BlockResult>((resolve) => {
      child.on("close", (code, signal) => resolve({ code, signal, output }))
    })
    return { block, child, output: () => output, exited }
  }

  /** Runs a block to its end (killed after `timeoutMs`). */
  async run(block: CodeBlock, timeoutMs: number): Promise<BlockResult> {
    const running = this.start(block, true)
    let killed = false
    const timer = setTimeout(() => {
      killed = true
      signalGroup(running.child, "SIGKILL")
    }, timeoutMs)
    try {
      const result = await running.exited
      return killed ? { ...result, output: `${result.output}\n[killed after ${timeoutMs} ms]` } : result
    } finally {
      clearTimeout(timer)
    }
  }

  /** Starts a background block and resolves once its output shows `ready`, or with its result if it ended first. */
  async startBackground(block: CodeBlock, ready: string, timeoutMs: number): Promise<BlockResult | undefined> {
    const running = this.start(block, false)
    this.background.push(running)
    const shown = new Promise<undefined>((resolve) => {
      const check = () => {
        if (running.output().includes(ready)) resolve(undefined)
      }
      running.child.stdout?.on("data", check)
      running.child.stderr?.on("data", check)
    })
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<BlockResult>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            code: null,
            signal: null,
            output: `${running.output()}\n[no "${ready}" within ${timeoutMs} ms]`,
          }),
        timeoutMs,
      )
    })
    try {
      return await Promise.race([shown, running.exited, timedOut])
    } finally {
      clearTimeout(timer)
    }
  }

  /** Stops the background blocks as Ctrl-C would, and gives what each did. */
  async stopBackground(): Promise<Array<{ block: CodeBlock } & BlockResult>> {
    const results: Array<{ block: CodeBlock } & BlockResult> = []
    for (const running of this.background.splice(0)) {
      if (running.child.exitCode === null && running.child.signalCode === null) signalGroup(running.child, "SIGINT")
      const timer = setTimeout(() => signalGroup(running.child, "SIGKILL"), 60_000)
      results.push({ block: running.block, ...(await running.exited) })
      clearTimeout(timer)
    }
    return results
  }
}

const signalGroup = (child: ChildProcess, signal: NodeJS.Signals) => {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal)
  } catch {
    // Already gone.
  }
}
