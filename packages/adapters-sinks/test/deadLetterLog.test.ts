import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { expect, layer } from "@effect/vitest"
import { DeadLetterLog, type DeadLetterRecord } from "@haymaker/domain"
import type { LogsIngestionServer } from "@haymaker/local-stack"
import { Context, DateTime, Effect, Layer } from "effect"
import * as FileLogAnalyticsSink from "../src/filesystem/FileLogAnalyticsSink.ts"
import * as LogAnalyticsIngestionSink from "../src/logAnalytics/LogAnalyticsIngestionSink.ts"
import { DeadLettersStream } from "../src/logAnalytics/Streams.ts"
import { ingestionOptions, scopedLogsIngestionServer, scratchDirectory } from "./peers.ts"

const letters: ReadonlyArray<DeadLetterRecord> = [
  {
    key: "17",
    messageId: "m-17",
    deliveryCount: 1,
    enqueuedTime: DateTime.makeUnsafe("2024-11-14T12:00:00Z"),
    deadLetteredAt: DateTime.makeUnsafe("2024-11-14T12:00:01.250Z"),
    reason: "InvalidJson",
    description: "Message body is not valid JSON",
    eventType: undefined,
    runId: undefined,
    scenarioName: undefined,
    resourceId: undefined,
  },
  {
    key: "18",
    messageId: "m-18",
    deliveryCount: 3,
    enqueuedTime: DateTime.makeUnsafe("2024-11-14T12:00:00.500Z"),
    deadLetteredAt: DateTime.makeUnsafe("2024-11-14T12:00:02Z"),
    reason: "SinkRejected",
    description: "LogAnalytics refused the event: 400 InvalidData",
    eventType: "resource_created",
    runId: "run-1",
    scenarioName: "scenario-1",
    resourceId: "/subscriptions/sub1/vm1",
  },
]

const rows = [
  {
    TimeGenerated: "2024-11-14T12:00:01.250Z",
    reason: "InvalidJson",
    description: "Message body is not valid JSON",
    message_id: "m-17",
    sequence_number: "17",
    delivery_count: 1,
    enqueued_time: "2024-11-14T12:00:00.000Z",
    event_type: null,
    run_id: null,
    scenario_name: null,
    resource_id: null,
  },
  {
    TimeGenerated: "2024-11-14T12:00:02.000Z",
    reason: "SinkRejected",
    description: "LogAnalytics refused the event: 400 InvalidData",
    message_id: "m-18",
    sequence_number: "18",
    delivery_count: 3,
    enqueued_time: "2024-11-14T12:00:00.500Z",
    event_type: "resource_created",
    run_id: "run-1",
    scenario_name: "scenario-1",
    resource_id: "/subscriptions/sub1/vm1",
  },
]

const record = (sink: Layer.Layer<DeadLetterLog, unknown>) =>
  DeadLetterLog.use((log) => log.record(letters)).pipe(Effect.provide(sink))

/** The Logs Ingestion server and a temporary folder for the suite; removed when it ends. */
class Peers extends Context.Service<Peers, { readonly server: LogsIngestionServer; readonly directory: string }>()(
  "adapters-sinks/test/deadLetterLog/Peers",
) {
  static readonly layer = Layer.effect(
    Peers,
    Effect.all({ server: scopedLogsIngestionServer, directory: scratchDirectory("haymaker-dead-letter-log-") }),
  )
}

const ingestion = (server: LogsIngestionServer) => LogAnalyticsIngestionSink.layer(ingestionOptions(server))

layer(Peers.layer, { excludeTestServices: true })(
  "the dead-letter log: a row per dead-lettered message in HayMakerDeadLetters_CL",
  (it) => {
    it.effect("through the Logs Ingestion API, in the declared shape (the server checks every column)", () =>
      Effect.gen(function* () {
        const { server } = yield* Peers
        yield* record(ingestion(server))
        expect(server.rows(DeadLettersStream.stream)).toEqual(rows)
      }),
    )

    it.effect("names the rows that did not land when the service refuses them", () =>
      Effect.gen(function* () {
        const { server } = yield* Peers
        server.reset()
        server.faults.fail(403)
        const failure = yield* Effect.flip(record(ingestion(server))).pipe(
          Effect.ensuring(Effect.sync(() => server.faults.clear())),
        )
        expect(failure).toMatchObject({ _tag: "SinkWriteError", sink: "DeadLetterLog", failedKeys: ["17", "18"] })
      }),
    )

    it.effect("as JSON lines in the filesystem sink's folder", () =>
      Effect.gen(function* () {
        const { directory } = yield* Peers
        yield* record(FileLogAnalyticsSink.layer({ directory }))
        const text = yield* Effect.promise(() =>
          readFile(join(directory, "log-analytics", `${DeadLettersStream.table}.jsonl`), "utf8"),
        )
        expect(
          text
            .trim()
            .split("\n")
            .map((line) => JSON.parse(line)),
        ).toEqual(rows)
      }),
    )
  },
)
