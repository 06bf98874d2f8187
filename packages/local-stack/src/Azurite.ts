import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { request } from "node:http"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"

/** Azurite's well-known development account (documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT_NAME = "devstoreaccount1"
export const AZURITE_ACCOUNT_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

export interface AzuriteOptions {
  /** Fixed port; default 0 lets the OS pick a free one (Azurite reports the port it bound). */
  readonly port?: number
  /** How long to wait for Azurite to listen and answer (default 30 s: the first start compiles a lot of JS). */
  readonly startupTimeoutMs?: number
  /** Cap for the in-memory blob store in MB (Azurite defaults to half the machine's memory). */
  readonly extentMemoryLimitMb?: number
  /**
   * Keep the blobs in this directory instead of in memory, so that they survive `stop()` and `start()` (an outage of
   * the storage account in a test). The directory is the caller's: `close()` leaves it.
   */
  readonly location?: string
}

export interface AzuritePeer {
  readonly connectionString: string
  /** `http://127.0.0.1:<port>/devstoreaccount1` */
  readonly blobEndpoint: string
  readonly port: number
  readonly accountName: string
  readonly accountKey: string
  /** Stops Azurite and waits for the process to exit. Idempotent. */
  readonly close: () => Promise<void>
  /** Stops the process, as an outage would; `start()` brings it back on the same port (with `location`, same blobs). */
  readonly stop: () => Promise<void>
  readonly start: () => Promise<void>
  /** Suspends the process (SIGSTOP): connections are accepted but nothing is answered, as a hung service. */
  readonly freeze: () => void
  /** Resumes a frozen process (SIGCONT). */
  readonly thaw: () => void
}

const LISTENING = /successfully listens on https?:\/\/[^\s:]+:(\d+)/

const azuriteBlobEntry = (): string => {
  const require = createRequire(import.meta.url)
  const manifestPath = require.resolve("azurite/package.json")
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { bin?: Record<string, string> }
  const entry = manifest.bin?.["azurite-blob"]
  if (entry === undefined) throw new Error(`startAzurite: ${manifestPath} declares no azurite-blob entry`)
  return join(dirname(manifestPath), entry)
}

const waitForExit = (child: ChildProcess, timeoutMs: number): Promise<boolean> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(true)
    const timer = setTimeout(() => resolve(false), timeoutMs)
    child.once("exit", () => {
      clearTimeout(timer)
      resolve(true)
    })
  })

/** Any HTTP answer (Azurite replies 400 to a bare GET) proves the server accepts requests. */
const probe = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const req = request(
      { host: "127.0.0.1", port, path: `/${AZURITE_ACCOUNT_NAME}?comp=list`, timeout: 2_000 },
      (res) => {
        res.resume()
        resolve(true)
      },
    )
    req.on("timeout", () => req.destroy())
    req.on("error", () => resolve(false))
    req.end()
  })

const stop = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill("SIGTERM")
  if (await waitForExit(child, 5_000)) return
  child.kill("SIGKILL")
  await waitForExit(child, 5_000)
}

interface Launched {
  readonly child: ChildProcess
  readonly port: number
  /** The last lines Azurite wrote, for error messages. */
  readonly output: () => string
}

/** Spawns azurite-blob and resolves once it listens and answers HTTP requests. */
const launch = async (
  options: AzuriteOptions,
  port: number,
  workDir: string,
  startupTimeoutMs: number,
): Promise<Launched> => {
  const args = [
    azuriteBlobEntry(),
    "--blobHost",
    "127.0.0.1",
    "--blobPort",
    String(port),
    // In-memory persistence forbids --location; the working directory receives whatever Azurite still writes.
    ...(options.location === undefined ? ["--inMemoryPersistence"] : ["--location", options.location]),
    "--silent",
    "--loose",
    "--skipApiVersionCheck",
    "--disableTelemetry",
    ...(options.extentMemoryLimitMb === undefined ? [] : ["--extentMemoryLimit", String(options.extentMemoryLimitMb)]),
  ]
  const child = spawn(process.execPath, args, { cwd: workDir, stdio: ["ignore", "pipe", "pipe"] })
  let output = ""
  const remember = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-8_192)
  }
  child.stderr?.on("data", remember)
  try {
    const bound = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`startAzurite: no "listens on" line within ${startupTimeoutMs} ms`)),
        startupTimeoutMs,
      )
      child.stdout?.on("data", (chunk: Buffer) => {
        remember(chunk)
        const match = LISTENING.exec(output)
        if (match?.[1] !== undefined) {
          clearTimeout(timer)
          resolve(Number(match[1]))
        }
      })
      child.once("error", (error) => {
        clearTimeout(timer)
        reject(error)
      })
      child.once("exit", (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`startAzurite: azurite-blob exited during startup (code ${code}, signal ${signal})`))
      })
    })
    const deadline = Date.now() + startupTimeoutMs
    while (!(await probe(bound))) {
      if (Date.now() > deadline) throw new Error(`startAzurite: port ${bound} accepts no HTTP requests`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return { child, port: bound, output: () => output }
  } catch (error) {
    await stop(child)
    const detail = output.trim() === "" ? "" : `\n--- azurite output ---\n${output.trim()}`
    throw new Error(`${error instanceof Error ? error.message : String(error)}${detail}`, { cause: error })
  }
}

/**
 * Starts the Blob service of the installed `azurite` package on 127.0.0.1 in a child process with in-memory
 * persistence (or in `location`) and the flags current SDKs need (`--skipApiVersionCheck`: the SDK's API version is
 * newer than the emulator's), resolving once it answers HTTP requests.
 */
export const startAzurite = async (options: AzuriteOptions = {}): Promise<AzuritePeer> => {
  const startupTimeoutMs = options.startupTimeoutMs ?? 30_000
  const workDir = await mkdtemp(join(tmpdir(), "haymaker-azurite-"))
  let current: Launched
  try {
    current = await launch(options, options.port ?? 0, workDir, startupTimeoutMs)
  } catch (error) {
    await rm(workDir, { recursive: true, force: true })
    throw error
  }
  // Azurite outlives a crashed test worker unless the parent kills it on the way out.
  const killOnExit = () => current.child.kill("SIGKILL")
  process.once("exit", killOnExit)
  const { port } = current
  const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT_NAME}`
  let closing: Promise<void> | undefined
  const cleanup = async () => {
    process.removeListener("exit", killOnExit)
    current.child.kill("SIGCONT")
    await stop(current.child)
    await rm(workDir, { recursive: true, force: true })
  }
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT_NAME};AccountKey=${AZURITE_ACCOUNT_KEY};BlobEndpoint=${blobEndpoint};`,
    blobEndpoint,
    port,
    accountName: AZURITE_ACCOUNT_NAME,
    accountKey: AZURITE_ACCOUNT_KEY,
    close: () => {
      closing ??= cleanup()
      return closing
    },
    stop: async () => {
      current.child.kill("SIGCONT")
      await stop(current.child)
    },
    start: async () => {
      if (current.child.exitCode === null && current.child.signalCode === null) return
      current = await launch(options, port, workDir, startupTimeoutMs)
    },
    freeze: () => {
      current.child.kill("SIGSTOP")
    },
    thaw: () => {
      current.child.kill("SIGCONT")
    },
  }
}
