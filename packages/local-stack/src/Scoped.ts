import { Effect, type Scope } from "effect"
import { type AzuriteOptions, type AzuritePeer, startAzurite } from "./Azurite.ts"
import {
  type LogsIngestionServer,
  type LogsIngestionServerOptions,
  startLogsIngestionServer,
} from "./logsIngestion/LogsIngestionServer.ts"
import {
  type LogsIngestionServerProcess,
  type ServerProcessOptions,
  startLogsIngestionServerProcess,
} from "./logsIngestion/LogsIngestionServerProcess.ts"

/** Azurite for the lifetime of the surrounding Scope (e.g. `Layer.effect`/`it.layer` in tests). */
export const azuriteScoped = (options?: AzuriteOptions): Effect.Effect<AzuritePeer, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => startAzurite(options)),
    (peer) => Effect.promise(() => peer.close()),
  )

/** The local Logs Ingestion API server for the lifetime of the surrounding Scope. */
export const logsIngestionServerScoped = (
  options: LogsIngestionServerOptions,
): Effect.Effect<LogsIngestionServer, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => startLogsIngestionServer(options)),
    (server) => Effect.promise(() => server.close()),
  )

/** The local Logs Ingestion API server in a child process, for the lifetime of the surrounding Scope. */
export const logsIngestionServerProcessScoped = (
  options: ServerProcessOptions,
): Effect.Effect<LogsIngestionServerProcess, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => startLogsIngestionServerProcess(options)),
    (server) => Effect.promise(() => server.close()),
  )
