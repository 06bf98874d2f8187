import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  type WriteStream,
  writeFileSync,
} from "node:fs"
import { join } from "node:path"
import { streamDeclarations } from "@haymaker/adapters-sinks"
import { type AcceptedUpload, startAzurite, startLogsIngestionServer } from "@haymaker/local-stack"
import { type GeneratedCertificate, generateCertificate, startEmulator } from "@haymaker/servicebus-emulator"
import { Clock, Data, Effect } from "effect"
import { localDataCollectionRuleId, topicConfig } from "./LocalStack.ts"
import {
  envFile,
  portVariable,
  type StackFiles,
  type StackPorts,
  type StackState,
  stackFiles,
  writeStackState,
} from "./StackState.ts"

/** A peer of the stack would not start (most often: its port is taken). */
export class StackStartError extends Data.TaggedError("StackStartError")<{ readonly message: string }> {}

export interface ServeOptions {
  readonly directory: string
  readonly ports: StackPorts
  readonly topic: string
  readonly subscription: string
}

const CERTIFICATE_DAYS = 365
// Renewed well before it expires, at the next start; clients read the authority from the folder at their start.
const CERTIFICATE_RENEW_AFTER_MS = 300 * 24 * 3600 * 1000

/** The Logs Ingestion server's certificate, kept in the folder so clients that trusted it keep working. */
const certificateOf = (files: StackFiles, now: number): GeneratedCertificate => {
  if (existsSync(files.certificate) && now - statSync(files.certificate).mtimeMs < CERTIFICATE_RENEW_AFTER_MS) {
    return JSON.parse(readFileSync(files.certificate, "utf8")) as GeneratedCertificate
  }
  const certificate = generateCertificate({ validDays: CERTIFICATE_DAYS, authorityName: "HayMaker local stack CA" })
  writeFileSync(files.certificate, JSON.stringify(certificate), { mode: 0o600 })
  return certificate
}

/** Accepted rows appended as JSON lines, one file per stream: what Log Analytics would hold. */
const rowFiles = (directory: string) => {
  const open = new Map<string, WriteStream>()
  return {
    append: (upload: AcceptedUpload) => {
      let file = open.get(upload.stream)
      if (file === undefined) {
        file = createWriteStream(join(directory, `${upload.stream.replace(/[^\w.-]/g, "_")}.jsonl`), { flags: "a" })
        open.set(upload.stream, file)
      }
      let text = ""
      for (const row of upload.rows) text += `${JSON.stringify(row)}\n`
      file.write(text)
    },
    close: () =>
      Promise.all([...open.values()].map((file) => new Promise<void>((resolve) => file.end(() => resolve())))),
  }
}

const start = <A>(peer: string, port: number, flag: string, run: () => Promise<A>) =>
  Effect.tryPromise({
    try: run,
    catch: (cause) =>
      new StackStartError({
        message:
          (cause as NodeJS.ErrnoException).code === "EADDRINUSE" || String(cause).includes("EADDRINUSE")
            ? `${peer}: port ${port} is in use; stop what holds it, or choose another port (local up ${flag} <port>, or ${portVariable(flag)}; 0 for any free one)`
            : `${peer} did not start: ${cause instanceof Error ? cause.message : String(cause)}`,
      }),
  })

/**
 * Runs the stack for the surrounding scope: the Service Bus emulator (in this process, its journal in `servicebus/`),
 * Azurite (a child process, its blobs in `azurite/`) and the HTTPS Logs Ingestion server (in this process, rows
 * appended under `logs-ingestion/`), on fixed ports on 127.0.0.1. Writes `stack.json` and `env` once all answer; marks
 * the state stopped when the scope closes.
 */
export const serveStack = Effect.fn("LocalStack.serve")(function* (options: ServeOptions) {
  const files = stackFiles(options.directory)
  const now = yield* Clock.currentTimeMillis
  for (const directory of [files.serviceBus, files.azurite, files.logsIngestion])
    mkdirSync(directory, { recursive: true })
  const { ports } = options
  const emulator = yield* Effect.acquireRelease(
    start("the Service Bus emulator", ports.emulator, "--emulator-port", () =>
      startEmulator({
        config: topicConfig({ topic: options.topic, subscription: options.subscription }),
        port: ports.emulator,
        httpPort: ports.emulatorHttp,
        dataDir: files.serviceBus,
        // The journal is written before a send is acknowledged; syncing it too would guard against a crash of the
        // machine, which a development stack does not need to survive.
        fsync: "never",
        logLevel: "warn",
      }),
    ),
    (running) => Effect.promise(() => running.close()),
  )
  const azurite = yield* Effect.acquireRelease(
    start("Azurite", ports.azurite, "--azurite-port", () =>
      startAzurite({ port: ports.azurite, location: files.azurite }),
    ),
    (peer) => Effect.promise(() => peer.close()),
  )
  const rows = rowFiles(files.logsIngestion)
  yield* Effect.addFinalizer(() => Effect.promise(() => rows.close()))
  const logsIngestion = yield* Effect.acquireRelease(
    start("the Logs Ingestion server", ports.logsIngestion, "--logs-ingestion-port", () =>
      startLogsIngestionServer({
        rules: [{ immutableId: localDataCollectionRuleId, streamDeclarations: streamDeclarations() }],
        port: ports.logsIngestion,
        certificate: certificateOf(files, now),
        retain: false,
        onAccepted: rows.append,
      }),
    ),
    (server) => Effect.promise(() => server.close()),
  )
  const state: StackState = {
    pid: process.pid,
    startedAt: new Date(now).toISOString(),
    ports: {
      emulator: emulator.port,
      emulatorHttp: emulator.httpPort ?? ports.emulatorHttp,
      azurite: azurite.port,
      logsIngestion: logsIngestion.port,
    },
    topic: options.topic,
    subscription: options.subscription,
    serviceBusConnectionString: emulator.connectionString,
    blobConnectionString: azurite.connectionString,
    logsIngestionEndpoint: logsIngestion.endpoint,
    dataCollectionRuleId: localDataCollectionRuleId,
  }
  writeStackState(files, state)
  writeFileSync(files.env, envFile(files, state))
  // Registered last, so it runs first: the state says "stopped" before the peers go away.
  yield* Effect.addFinalizer(() => Effect.sync(() => writeStackState(files, { ...state, pid: null })))
  return state
})
