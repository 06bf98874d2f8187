import { ArchiveSink, LogAnalyticsSink } from "@haymaker/domain"
import {
  type AzuritePeer,
  type LogsIngestionServer,
  startAzurite,
  startLogsIngestionServer,
  staticTokenCredential,
} from "@haymaker/local-stack"
import { Config, ConfigProvider, Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { archiveEnvConfig } from "../src/archive/ArchiveConfig.ts"
import * as BlobArchiveSink from "../src/archive/BlobArchiveSink.ts"
import { logAnalyticsEnvConfig } from "../src/logAnalytics/LogAnalyticsConfig.ts"
import * as LogAnalyticsIngestionSink from "../src/logAnalytics/LogAnalyticsIngestionSink.ts"
import { ResourcesStream, streamDeclarations } from "../src/logAnalytics/Streams.ts"
import { resourceMessage } from "./fixtures.ts"

const RULE_ID = "dcr-0123456789abcdef0123456789abcdef"

const fromEnv = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromEnvRecord(env))

describe("layers built from configuration", () => {
  let server: LogsIngestionServer
  let azurite: AzuritePeer

  beforeAll(async () => {
    ;[server, azurite] = await Promise.all([
      startLogsIngestionServer({ rules: [{ immutableId: RULE_ID, streamDeclarations: streamDeclarations() }] }),
      startAzurite(),
    ])
  }, 60_000)
  afterAll(() => Promise.all([server?.close(), azurite?.close()]))

  it("LogAnalyticsIngestionSink.layerConfig reads HAYMAKER_LOGS_* and provides the LogAnalyticsSink port", async () => {
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

    await Effect.runPromise(
      Effect.gen(function* () {
        const sink = yield* LogAnalyticsSink
        yield* sink.write([resourceMessage("via-config")])
      }).pipe(Effect.provide(sinkLayer)),
    )

    expect(server.rows(ResourcesStream.stream).map((row) => row.message_id)).toEqual(["via-config"])
  })

  it("LogAnalyticsIngestionSink.layerConfig fails naming a missing setting", async () => {
    const result = await Effect.runPromise(
      Effect.result(
        Effect.asVoid(LogAnalyticsSink).pipe(
          Effect.provide(LogAnalyticsIngestionSink.layerConfig(logAnalyticsEnvConfig).pipe(Layer.provide(fromEnv({})))),
        ),
      ),
    )
    expect(result._tag === "Failure" && String(result.failure)).toContain("HAYMAKER_LOGS_INGESTION_ENDPOINT")
  })

  it("BlobArchiveSink.layerConfig reads the connection string as a secret and the layout, and provides the ArchiveSink port", async () => {
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

    await Effect.runPromise(
      Effect.gen(function* () {
        const sink = yield* ArchiveSink
        yield* sink.write([resourceMessage("via-config", 1, undefined, 7n)])
      }).pipe(Effect.provide(sinkLayer)),
    )

    const { BlobServiceClient } = await import("@azure/storage-blob")
    const names: Array<string> = []
    const client = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(container)
    for await (const blob of client.listBlobsFlat()) names.push(blob.name)
    expect(names).toEqual(["events/y=2024/m=11/d=14/h=12/7.jsonl"])
  })

  it("never shows the connection string in a configuration error", async () => {
    const result = await Effect.runPromise(
      Effect.result(
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
      ),
    )

    expect(result._tag).toBe("Failure")
    const shown = result._tag === "Failure" ? `${String(result.failure)} ${result.failure.message}` : ""
    expect(shown).toContain("container")
    expect(shown).not.toContain(azurite.accountKey)
  })
})
