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

/** A peer that `start` starts, for the lifetime of the surrounding Scope (e.g. `Layer.effect`/`it.layer` in tests). */
const scopedPeer =
  <Args extends ReadonlyArray<unknown>, Peer extends { readonly close: () => Promise<void> }>(
    start: (...args: Args) => Promise<Peer>,
  ) =>
  (...args: Args): Effect.Effect<Peer, never, Scope.Scope> =>
    Effect.acquireRelease(
      Effect.promise(() => start(...args)),
      (peer) => Effect.promise(() => peer.close()),
    )

/** Azurite for the lifetime of the surrounding Scope. */
export const azuriteScoped: (options?: AzuriteOptions) => Effect.Effect<AzuritePeer, never, Scope.Scope> =
  scopedPeer(startAzurite)

/** The local Logs Ingestion API server for the lifetime of the surrounding Scope. */
export const logsIngestionServerScoped: (
  options: LogsIngestionServerOptions,
) => Effect.Effect<LogsIngestionServer, never, Scope.Scope> = scopedPeer(startLogsIngestionServer)

/** The local Logs Ingestion API server in a child process, for the lifetime of the surrounding Scope. */
export const logsIngestionServerProcessScoped: (
  options: ServerProcessOptions,
) => Effect.Effect<LogsIngestionServerProcess, never, Scope.Scope> = scopedPeer(startLogsIngestionServerProcess)
