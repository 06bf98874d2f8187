import { readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import { BlobServiceClient } from "@azure/storage-blob"
import type { AzuritePeer, LogsIngestionServer } from "@haymaker/local-stack"
import {
  archiveSinkContract,
  logAnalyticsSinkContract,
  ProbeError,
  SinkFaultInjection,
  SinkProbe,
  type StoredRecord,
} from "@haymaker/testing"
import { Duration, Effect, Exit, Layer, Redacted, Scope } from "effect"
import { afterAll, beforeAll } from "vitest"
import * as BlobArchiveSink from "../src/archive/BlobArchiveSink.ts"
import * as FileArchiveSink from "../src/filesystem/FileArchiveSink.ts"
import * as FileLogAnalyticsSink from "../src/filesystem/FileLogAnalyticsSink.ts"
import * as LogAnalyticsIngestionSink from "../src/logAnalytics/LogAnalyticsIngestionSink.ts"
import { AgentLogsStream, ResourcesStream, Streams } from "../src/logAnalytics/Streams.ts"
import { ingestionOptions, RULE_ID, scopedAzurite, scopedLogsIngestionServer, scratchDirectory } from "./peers.ts"

let server: LogsIngestionServer
let azurite: AzuritePeer
let scratch: string

// The contract suites register their own tests, so the peers live in a scope of the file's own.
const peers = Effect.runSync(Scope.make("parallel"))
beforeAll(async () => {
  ;({ server, azurite, scratch } = await Effect.runPromise(
    Effect.all(
      {
        server: scopedLogsIngestionServer,
        azurite: scopedAzurite,
        scratch: scratchDirectory("haymaker-sink-contracts-"),
      },
      { concurrency: 3 },
    ).pipe(Scope.provide(peers)),
  ))
}, 60_000)
afterAll(() => Effect.runPromise(Scope.close(peers, Exit.void)))

const probeFailure = (what: string) => (cause: unknown) =>
  new ProbeError({ message: `reading back ${what} failed: ${String(cause)}`, cause })

interface Copy {
  readonly key: unknown
  readonly messageId: unknown
  readonly runId: unknown
}

/** Copies of stored rows or archive lines: each carries `sequence_number`, `message_id` and the record's `run_id`. */
const storedFrom = (items: ReadonlyArray<Copy>, keys: ReadonlyArray<string>) => {
  const wanted = new Set(keys)
  return items
    .filter((item) => typeof item.key === "string" && wanted.has(item.key))
    .map(
      (item): StoredRecord => ({
        key: item.key as string,
        messageId: String(item.messageId),
        runId: typeof item.runId === "string" ? item.runId : undefined,
      }),
    )
}

const copyOfRow = (row: Record<string, unknown>): Copy => ({
  key: row.sequence_number,
  messageId: row.message_id,
  runId: row.run_id,
})

const rowsOfServer = (keys: ReadonlyArray<string>) =>
  storedFrom(
    [ResourcesStream.stream, AgentLogsStream.stream].flatMap((stream) => server.rows(stream, RULE_ID).map(copyOfRow)),
    keys,
  )

/** What the archive lines of one object say about themselves: their keys, message ids and the runs of the events. */
const fromArchiveLines = (content: string): Array<Copy> =>
  content
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const record = JSON.parse(line) as {
        message: { message_id: unknown; sequence_number: unknown }
        event: { run_id?: unknown }
      }
      return { key: record.message.sequence_number, messageId: record.message.message_id, runId: record.event.run_id }
    })

const ARCHIVE_LAYOUTS_UNDER_CONTRACT = ["batched", "partitioned"] as const

logAnalyticsSinkContract("LogAnalyticsIngestionSink (Logs Ingestion API server)", {
  faultInjection: true,
  makeLayer: () =>
    Layer.mergeAll(
      LogAnalyticsIngestionSink.layer({
        ...ingestionOptions(server),
        maxRetries: 1,
        retryDelay: Duration.millis(5),
        maxRetryDelay: Duration.millis(20),
      }),
      Layer.succeed(SinkProbe)({ stored: (keys) => Effect.sync(() => rowsOfServer(keys)) }),
      Layer.succeed(SinkFaultInjection)({
        failRecords: (keys, kind) =>
          Effect.sync(() =>
            server.faults.fail(kind === "transient" ? 503 : 400, {
              match: ({ rows }) =>
                rows.some((row) => keys.includes((row as { sequence_number?: string }).sequence_number ?? "")),
            }),
          ),
        clear: Effect.sync(() => server.faults.clear()),
      }),
    ),
})

for (const layout of ARCHIVE_LAYOUTS_UNDER_CONTRACT) {
  archiveSinkContract(`BlobArchiveSink (Azurite, ${layout} layout)`, {
    makeLayer: ({ uniqueName }) => {
      const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(uniqueName)
      return Layer.mergeAll(
        BlobArchiveSink.layer({
          connectionString: Redacted.make(azurite.connectionString),
          container: uniqueName,
          layout,
        }),
        Layer.succeed(SinkProbe)({
          stored: (keys) =>
            Effect.tryPromise({
              try: async () => {
                const lines: Array<Copy> = []
                for await (const blob of container.listBlobsFlat()) {
                  const content = await container.getBlobClient(blob.name).downloadToBuffer()
                  lines.push(...fromArchiveLines(content.toString()))
                }
                return storedFrom(lines, keys)
              },
              catch: probeFailure(`container ${uniqueName}`),
            }),
        }),
      )
    },
  })
}

const filesUnder = async (folder: string): Promise<Array<string>> => {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => [])
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name))
}

for (const layout of ARCHIVE_LAYOUTS_UNDER_CONTRACT) {
  archiveSinkContract(`FileArchiveSink (local folder, ${layout} layout)`, {
    makeLayer: ({ uniqueName }) => {
      const directory = join(scratch, uniqueName)
      return Layer.mergeAll(
        FileArchiveSink.layer({ directory, layout }),
        Layer.succeed(SinkProbe)({
          stored: (keys) =>
            Effect.tryPromise({
              try: async () => {
                const files = await filesUnder(join(directory, "archive"))
                const contents = await Promise.all(files.map((file) => readFile(file, "utf8")))
                return storedFrom(contents.flatMap(fromArchiveLines), keys)
              },
              catch: probeFailure(directory),
            }),
        }),
      )
    },
  })
}

logAnalyticsSinkContract("FileLogAnalyticsSink (local folder)", {
  makeLayer: ({ uniqueName }) => {
    const directory = join(scratch, uniqueName)
    return Layer.mergeAll(
      FileLogAnalyticsSink.layer({ directory }),
      Layer.succeed(SinkProbe)({
        stored: (keys) =>
          Effect.tryPromise({
            try: async () => {
              const rows: Array<Copy> = []
              for (const { table } of Streams) {
                const text = await readFile(join(directory, "log-analytics", `${table}.jsonl`), "utf8").catch(() => "")
                for (const line of text.split("\n").filter((l) => l !== "")) {
                  rows.push(copyOfRow(JSON.parse(line) as Record<string, unknown>))
                }
              }
              return storedFrom(rows, keys)
            },
            catch: probeFailure(directory),
          }),
      }),
    )
  },
})
