import { BlobServiceClient } from "@azure/storage-blob"
import { expect, layer } from "@effect/vitest"
import { ArchiveSink, LogAnalyticsSink } from "@haymaker/domain"
import { type AzuritePeer, type LogsIngestionServer, staticTokenCredential } from "@haymaker/local-stack"
import { Config, ConfigProvider, Context, Effect, Layer } from "effect"
import { archiveEnvConfig } from "../src/archive/ArchiveConfig.ts"
import * as BlobArchiveSink from "../src/archive/BlobArchiveSink.ts"
import { logAnalyticsEnvConfig } from "../src/logAnalytics/LogAnalyticsConfig.ts"
import * as LogAnalyticsIngestionSink from "../src/logAnalytics/LogAnalyticsIngestionSink.ts"
import { ResourcesStream } from "../src/logAnalytics/Streams.ts"
import { resourceMessage } from "./fixtures.ts"
import { RULE_ID, scopedAzurite, scopedLogsIngestionServer } from "./peers.ts"

const fromEnv = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromEnvRecord(env))

/** The Logs Ingestion server and Azurite of this suite, on ephemeral ports of 127.0.0.1. */
class Peers extends Context.Service<Peers, { readonly server: LogsIngestionServer; readonly azurite: AzuritePeer }>()(
  "adapters-sinks/test/layers/Peers",
) {
  static readonly layer = Layer.effect(
    Peers,
    Effect.all({ server: scopedLogsIngestionServer, azurite: scopedAzurite }, { concurrency: 2 }),
  )
}

layer(Peers.layer, { timeout: "60 seconds", excludeTestServices: true })("layers built from configuration", (it) => {
  it.effect("LogAnalyticsIngestionSink.layerConfig reads HAYMAKER_LOGS_* and provides the LogAnalyticsSink port", () =>
    Effect.gen(function* () {
      const { server } = yield* Peers
      const sinkLayer = LogAnalyticsIngestionSink.layerConfig({
        ...logAnalyticsEnvConfig,
        credential: Config.succeed(staticTokenCredential()),
        trustedCa: Config.succeed(server.ca),
      }).pipe(
        Layer.provide(
          fromEnv({
            HAYMAKER_LOGS_INGESTION_ENDPOINT: server.endpoint,
            HAYMAKER_LOGS_DCR_IMMUTABLE_ID: RULE_ID,
            HAYMAKER_LOGS_MAX_RETRIES: "1",
            HAYMAKER_LOGS_RETRY_DELAY: "50 millis",
            HAYMAKER_LOGS_MAX_RETRY_DELAY_MS: "200",
          }),
        ),
      )

      yield* Effect.flatMap(LogAnalyticsSink, (sink) => sink.write([resourceMessage("via-config")])).pipe(
        Effect.provide(sinkLayer),
      )

      expect(server.rows(ResourcesStream.stream).map((row) => row.message_id)).toEqual(["via-config"])
    }),
  )

  it.effect("LogAnalyticsIngestionSink.layerConfig fails naming a missing setting", () =>
    Effect.gen(function* () {
      const failure = yield* Effect.flip(
        Effect.asVoid(LogAnalyticsSink).pipe(
          Effect.provide(LogAnalyticsIngestionSink.layerConfig(logAnalyticsEnvConfig).pipe(Layer.provide(fromEnv({})))),
        ),
      )
      expect(String(failure)).toContain("HAYMAKER_LOGS_INGESTION_ENDPOINT")
    }),
  )

  it.effect(
    "BlobArchiveSink.layerConfig reads the connection string as a secret and the layout, and provides the ArchiveSink port",
    () =>
      Effect.gen(function* () {
        const { azurite } = yield* Peers
        const container = `layer-config-${process.pid}`
        const sinkLayer = BlobArchiveSink.layerConfig(archiveEnvConfig).pipe(
          Layer.provide(
            fromEnv({
              HAYMAKER_ARCHIVE_CONNECTION_STRING: azurite.connectionString,
              HAYMAKER_ARCHIVE_CONTAINER: container,
              HAYMAKER_ARCHIVE_LAYOUT: "partitioned",
            }),
          ),
        )

        yield* Effect.flatMap(ArchiveSink, (sink) =>
          sink.write([resourceMessage("via-config", 1, undefined, 7n)]),
        ).pipe(Effect.provide(sinkLayer))

        const names = yield* Effect.promise(async () => {
          const client = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(container)
          const found: Array<string> = []
          for await (const blob of client.listBlobsFlat()) found.push(blob.name)
          return found
        })
        expect(names).toEqual(["events/y=2024/m=11/d=14/h=12/7.jsonl"])
      }),
  )

  it.effect("never shows the connection string in a configuration error", () =>
    Effect.gen(function* () {
      const { azurite } = yield* Peers
      const failure = yield* Effect.flip(
        Effect.asVoid(ArchiveSink).pipe(
          Effect.provide(
            BlobArchiveSink.layerConfig(archiveEnvConfig).pipe(
              Layer.provide(
                fromEnv({
                  HAYMAKER_ARCHIVE_CONNECTION_STRING: azurite.connectionString,
                  HAYMAKER_ARCHIVE_CONTAINER: "Not_Valid",
                }),
              ),
            ),
          ),
        ),
      )
      const shown = `${String(failure)} ${failure.message}`
      expect(shown).toContain("container")
      expect(shown).not.toContain(azurite.accountKey)
    }),
  )
})
