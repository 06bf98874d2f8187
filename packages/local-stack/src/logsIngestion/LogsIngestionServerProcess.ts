import { type ChildProcess, fork } from "node:child_process"
import { extname } from "node:path"
import { fileURLToPath } from "node:url"
import type { FailOptions, FaultScope, ThrottleOptions } from "./Faults.ts"
import type { LogsIngestionServerOptions, RecordedRequest } from "./LogsIngestionServer.ts"

/** What crosses the process boundary: options without functions (a token check, `onAccepted` or a fault's `match`). */
export type ServerProcessOptions = Omit<LogsIngestionServerOptions, "acceptToken" | "onAccepted">
type Scope = Omit<FaultScope, "match">

/** @internal The IPC protocol between the parent and `serverProcessMain.ts`. */
export type ServerProcessRequest = { readonly id: number } & (
  | { readonly op: "start"; readonly options: ServerProcessOptions }
  | { readonly op: "rows"; readonly stream: string; readonly ruleId?: string | undefined }
  | { readonly op: "requests" | "reset" | "clear" | "close" }
  | { readonly op: "throttle"; readonly count: number; readonly options?: Omit<ThrottleOptions, "match"> | undefined }
  | { readonly op: "fail"; readonly status: number; readonly options?: Omit<FailOptions, "match"> | undefined }
  | { readonly op: "slow"; readonly delayMs: number; readonly options?: Scope | undefined }
)

/** @internal */
export type ServerProcessReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string }

type RequestBody = ServerProcessRequest extends infer R ? (R extends unknown ? Omit<R, "id"> : never) : never

/**
 * The Logs Ingestion server of {@link startLogsIngestionServer}, run in a child process: what it costs (TLS, gunzip,
 * row validation, the rows it keeps) stays off the event loop and out of the memory of the process that writes to
 * it, as with the real service. Inspection and fault injection are the same, asynchronous.
 */
export interface LogsIngestionServerProcess {
  readonly endpoint: string
  readonly port: number
  /** PEM of the self-signed certificate, to trust in clients. */
  readonly ca: string
  /** The child's process id. */
  readonly pid: number
  readonly rows: (stream: string, ruleId?: string) => Promise<ReadonlyArray<Record<string, unknown>>>
  readonly requests: () => Promise<ReadonlyArray<RecordedRequest>>
  readonly reset: () => Promise<void>
  readonly faults: {
    readonly throttle: (count: number, options?: Omit<ThrottleOptions, "match">) => Promise<void>
    readonly fail: (status: number, options?: Omit<FailOptions, "match">) => Promise<void>
    readonly slow: (delayMs: number, options?: Scope) => Promise<void>
    readonly clear: () => Promise<void>
  }
  /** Stops the server and waits for the process to exit. Idempotent. */
  readonly close: () => Promise<void>
}

// The sibling of this module: serverProcessMain.ts from source, serverProcessMain.js once built.
const entry = fileURLToPath(new URL(`./serverProcessMain${extname(import.meta.url)}`, import.meta.url))

const exited = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once("exit", () => resolve())
  })

/** Starts the server in a child process (Node's own flags, not the parent's) on 127.0.0.1, ephemeral port. */
export const startLogsIngestionServerProcess = async (
  options: ServerProcessOptions,
): Promise<LogsIngestionServerProcess> => {
  const child = fork(entry, [], {
    execArgv: [],
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  })
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  let nextId = 0
  child.on("message", (message: ServerProcessReply) => {
    const waiter = pending.get(message.id)
    pending.delete(message.id)
    if (message.ok) waiter?.resolve(message.result)
    else waiter?.reject(new Error(`Logs Ingestion server process: ${message.error}`))
  })
  child.once("exit", (code, signal) => {
    for (const waiter of pending.values()) {
      waiter.reject(new Error(`Logs Ingestion server process exited (${code ?? signal})`))
    }
    pending.clear()
  })
  const call = <A>(request: RequestBody): Promise<A> =>
    new Promise<A>((resolve, reject) => {
      if (!child.connected) return reject(new Error("Logs Ingestion server process is not running"))
      const id = ++nextId
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      child.send({ ...request, id })
    })

  const started = await call<{ endpoint: string; port: number; ca: string }>({ op: "start", options }).catch(
    async (error: unknown) => {
      child.kill()
      throw error
    },
  )
  let closing: Promise<void> | undefined
  return {
    ...started,
    pid: child.pid ?? 0,
    rows: (stream, ruleId) => call({ op: "rows", stream, ruleId }),
    requests: () => call({ op: "requests" }),
    reset: () => call({ op: "reset" }),
    faults: {
      throttle: (count, throttleOptions) => call({ op: "throttle", count, options: throttleOptions }),
      fail: (status, failOptions) => call({ op: "fail", status, options: failOptions }),
      slow: (delayMs, scope) => call({ op: "slow", delayMs, options: scope }),
      clear: () => call({ op: "clear" }),
    },
    close: () => {
      closing ??= (child.connected ? call({ op: "close" }).catch(() => child.kill()) : Promise.resolve()).then(() =>
        exited(child),
      )
      return closing
    },
  }
}
