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

/**
 * Starts the Blob service of the installed `azurite` package on 127.0.0.1 in a child process with in-memory
 * persistence and the flags current SDKs need (`--skipApiVersionCheck`: the SDK's API version is newer than the
 * emulator's), resolving once it answers HTTP requests.
 */
export const startAzurite = async (options: AzuriteOptions = {}): Promise<AzuritePeer> => {
  const startupTimeoutMs = options.startupTimeoutMs ?? 30_000
  // In-memory persistence forbids --location; the working directory receives whatever Azurite still writes.
  const workDir = await mkdtemp(join(tmpdir(), "haymaker-azurite-"))
  const args = [
    azuriteBlobEntry(),
    "--blobHost",
    "127.0.0.1",
    "--blobPort",
    String(options.port ?? 0),
    "--inMemoryPersistence",
    "--silent",
    "--loose",
    "--skipApiVersionCheck",
    "--disableTelemetry",
    ...(options.extentMemoryLimitMb === undefined ? [] : ["--extentMemoryLimit", String(options.extentMemoryLimitMb)]),
  ]
  const child = spawn(process.execPath, args, { cwd: workDir, stdio: ["ignore", "pipe", "pipe"] })
  // Azurite outlives a crashed test worker unless the parent kills it on the way out.
  const killOnExit = () => child.kill("SIGKILL")
  process.once("exit", killOnExit)
  let output = ""
  const remember = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-8_192)
  }
  child.stderr?.on("data", remember)

  const cleanup = async () => {
    process.removeListener("exit", killOnExit)
    await stop(child)
    await rm(workDir, { recursive: true, force: true })
  }

  try {
    const port = await new Promise<number>((resolve, reject) => {
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
    while (!(await probe(port))) {
      if (Date.now() > deadline) throw new Error(`startAzurite: port ${port} accepts no HTTP requests`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT_NAME}`
    let closing: Promise<void> | undefined
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
    }
  } catch (error) {
    await cleanup()
    const detail = output.trim() === "" ? "" : `\n--- azurite output ---\n${output.trim()}`
    throw new Error(`${error instanceof Error ? error.message : String(error)}${detail}`, { cause: error })
  }
}
