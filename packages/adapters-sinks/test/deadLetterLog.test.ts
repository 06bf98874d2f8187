import { mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DeadLetterLog, type DeadLetterRecord } from "@haymaker/domain"
import { type LogsIngestionServer, startLogsIngestionServer, staticTokenCredential } from "@haymaker/local-stack"
import { DateTime, Effect, type Layer, Result } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as FileLogAnalyticsSink from "../src/filesystem/FileLogAnalyticsSink.ts"
import * as LogAnalyticsIngestionSink from "../src/logAnalytics/LogAnalyticsIngestionSink.ts"
import { DeadLettersStream, streamDeclarations } from "../src/logAnalytics/Streams.ts"

const RULE_ID = "dcr-0123456789abcdef0123456789abcdef"

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

const record = (layer: Layer.Layer<DeadLetterLog, unknown>) =>
  Effect.runPromise(
    DeadLetterLog.use((log) => log.record(letters)).pipe(Effect.provide(layer), Effect.scoped, Effect.result),
  )

describe("the dead-letter log: a row per dead-lettered message in HayMakerDeadLetters_CL", () => {
  let server: LogsIngestionServer
  let directory: string
  const ingestion = () =>
    LogAnalyticsIngestionSink.layer({
      endpoint: server.endpoint,
      dataCollectionRuleId: RULE_ID,
      credential: staticTokenCredential(),
      trustedCa: server.ca,
      maxRetries: 0,
    })

  beforeAll(async () => {
    server = await startLogsIngestionServer({
      rules: [{ immutableId: RULE_ID, streamDeclarations: streamDeclarations() }],
    })
    directory = await mkdtemp(join(tmpdir(), "haymaker-dead-letter-log-"))
  })
  afterAll(() => Promise.all([server?.close(), rm(directory, { recursive: true, force: true })]))

  it("through the Logs Ingestion API, in the declared shape (the server checks every column)", async () => {
    expect(Result.isSuccess(await record(ingestion()))).toBe(true)
    expect(server.rows(DeadLettersStream.stream)).toEqual(rows)
  })

  it("names the rows that did not land when the service refuses them", async () => {
    server.reset()
    server.faults.fail(403)
    const result = await record(ingestion())
    expect(Result.isFailure(result) && result.failure).toMatchObject({
      _tag: "SinkWriteError",
      sink: "DeadLetterLog",
      failedKeys: ["17", "18"],
    })
    server.faults.clear()
  })

  it("as JSON lines in the filesystem sink's folder", async () => {
    expect(Result.isSuccess(await record(FileLogAnalyticsSink.layer({ directory })))).toBe(true)
    const text = await readFile(join(directory, "log-analytics", `${DeadLettersStream.table}.jsonl`), "utf8")
    expect(
      text
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual(rows)
  })
})
