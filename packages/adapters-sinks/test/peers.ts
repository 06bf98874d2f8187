import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  type AzuritePeer,
  type LogsIngestionServer,
  startAzurite,
  startLogsIngestionServer,
  staticTokenCredential,
} from "@haymaker/local-stack"
import { Effect, type Scope } from "effect"
import type { LogAnalyticsSinkOptions } from "../src/logAnalytics/LogAnalyticsConfig.ts"
import { streamDeclarations } from "../src/logAnalytics/Streams.ts"

/** The peers the suites start, on ephemeral ports of 127.0.0.1, each stopped (or removed) when its scope closes. */

/** The immutable id of the data collection rule the suites' Logs Ingestion servers hold. */
export const RULE_ID = "dcr-0123456789abcdef0123456789abcdef"

/** A Logs Ingestion server whose rule declares the streams of `Streams.ts`. */
export const scopedLogsIngestionServer: Effect.Effect<LogsIngestionServer, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(() =>
    startLogsIngestionServer({ rules: [{ immutableId: RULE_ID, streamDeclarations: streamDeclarations() }] }),
  ),
  (server) => Effect.promise(() => server.close()),
)

export const scopedAzurite: Effect.Effect<AzuritePeer, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(() => startAzurite()),
  (peer) => Effect.promise(() => peer.close()),
)

/** A temporary folder named from `prefix`. */
export const scratchDirectory = (prefix: string): Effect.Effect<string, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => mkdtemp(join(tmpdir(), prefix))),
    (directory) => Effect.promise(() => rm(directory, { recursive: true, force: true })),
  )

/** Log Analytics sink options for `server`: its rule, a token it accepts, its certificate, no SDK retries. */
export const ingestionOptions = (server: LogsIngestionServer): LogAnalyticsSinkOptions => ({
  endpoint: server.endpoint,
  dataCollectionRuleId: RULE_ID,
  credential: staticTokenCredential(),
  trustedCa: server.ca,
  maxRetries: 0,
})
