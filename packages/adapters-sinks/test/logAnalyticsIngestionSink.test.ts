import type { SinkRecord, SinkWriteError } from "@haymaker/domain"
import { type LogsIngestionServer, startLogsIngestionServer, staticTokenCredential } from "@haymaker/local-stack"
import { Duration, Effect, type Result } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import type { LogAnalyticsSinkOptions } from "../src/logAnalytics/LogAnalyticsConfig.ts"
import type { LogAnalyticsConfigError } from "../src/logAnalytics/LogAnalyticsErrors.ts"
import * as LogAnalyticsIngestionSink from "../src/logAnalytics/LogAnalyticsIngestionSink.ts"
import { AgentLogsStream, ResourcesStream, streamDeclarations } from "../src/logAnalytics/Streams.ts"
import { agentLogMessage, failedIds, otherMessage, resourceDump, resourceMessage } from "./fixtures.ts"

const RULE_ID = "dcr-0123456789abcdef0123456789abcdef"

const writeFailure = (result: Result.Result<void, LogAnalyticsConfigError | SinkWriteError>) => {
  if (result._tag !== "Failure" || result.failure._tag !== "SinkWriteError") {
    throw new Error(`expected a SinkWriteError, got ${String(result)}`)
  }
  return result.failure
}

describe("LogAnalyticsIngestionSink through LogsIngestionClient against the local ingestion server", () => {
  let server: LogsIngestionServer
  let options: LogAnalyticsSinkOptions

  const write = (records: ReadonlyArray<SinkRecord>, overrides: Partial<LogAnalyticsSinkOptions> = {}) =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const sink = yield* LogAnalyticsIngestionSink.make({ ...options, ...overrides })
          return yield* sink.write(records)
        }),
      ).pipe(Effect.result),
    )

  beforeAll(async () => {
    server = await startLogsIngestionServer({
      rules: [{ immutableId: RULE_ID, streamDeclarations: streamDeclarations() }],
    })
    options = {
      endpoint: server.endpoint,
      dataCollectionRuleId: RULE_ID,
      credential: staticTokenCredential(),
      trustedCa: server.ca,
      maxRetries: 2,
      retryDelay: Duration.millis(5),
      maxRetryDelay: Duration.millis(20),
    }
  })
  afterAll(() => server?.close())
  beforeEach(() => {
    server.faults.clear()
    server.reset()
  })

  it("writes resource rows and agent log rows in the declared shape; other events land without rows", async () => {
    const records = [resourceMessage("m1", 1), agentLogMessage("m2"), otherMessage("m3")]
    const result = await write(records)

    expect(result._tag).toBe("Success")
    expect(server.rows(ResourcesStream.stream)).toEqual([
      {
        TimeGenerated: "2024-11-14T12:00:00.000Z",
        ...resourceDump(1),
        message_id: "m1",
        sequence_number: records[0]?.key,
      },
    ])
    expect(server.rows(AgentLogsStream.stream)).toEqual([
      {
        TimeGenerated: "2024-11-14T12:00:02.123Z",
        event_type: "operation",
        severity: "info",
        agent_id: "agent-7",
        run_id: "run-123",
        scenario_name: "test-scenario",
        message: "created vm",
        details: { step: 1 },
        resource_id: null,
        resource_type: null,
        message_id: "m2",
        sequence_number: records[1]?.key,
      },
    ])
    expect(server.requests().every((r) => r.authorization === "Bearer local-peer-token")).toBe(true)
  })

  it("sends many rows per call", async () => {
    const result = await write(Array.from({ length: 500 }, (_, i) => resourceMessage(`m${i}`, i)))

    expect(result._tag).toBe("Success")
    expect(server.uploads()).toHaveLength(1)
    expect(server.rows(ResourcesStream.stream)).toHaveLength(500)
  })

  it("retries a 429 after Retry-After and then lands everything", async () => {
    server.faults.throttle(1, { retryAfterSeconds: 1 })

    const result = await write([resourceMessage("m1")])

    expect(result._tag).toBe("Success")
    expect(server.requests().map((r) => r.status)).toEqual([429, 204])
    expect(server.rows(ResourcesStream.stream).map((r) => r.message_id)).toEqual(["m1"])
  })

  it("retries a transient 503 and 500, then lands", async () => {
    server.faults.fail(503, { count: 1 })
    server.faults.fail(500, { count: 1 })

    const result = await write([agentLogMessage("m1")])

    expect(result._tag).toBe("Success")
    expect(server.requests().map((r) => r.status)).toEqual([503, 500, 204])
  })

  it("fails with a typed error naming exactly the messages of a stream that keeps answering 500", async () => {
    server.faults.fail(500, { match: ({ stream }) => stream === AgentLogsStream.stream })

    const result = await write([
      resourceMessage("r1"),
      agentLogMessage("a1"),
      agentLogMessage("a2"),
      otherMessage("o1"),
    ])

    const error = writeFailure(result)
    expect(error.sink).toBe("LogAnalytics")
    expect(failedIds(error)).toEqual(["a1", "a2"])
    expect(error.transient).toBe(true)
    expect(error.message).toContain(
      `2 of 4 messages were not stored (sequence numbers ${error.failedKeys.join(", ")}): 500`,
    )
    expect(error.cause).toEqual([
      expect.objectContaining({ key: error.failedKeys[0], status: 500, code: "InternalServerError" }),
      expect.objectContaining({ key: error.failedKeys[1], status: 500, code: "InternalServerError" }),
    ])
    expect(server.rows(ResourcesStream.stream).map((r) => r.message_id)).toEqual(["r1"])
    // One try and two retries of the agent logs call.
    expect(server.requests().filter((r) => r.stream === AgentLogsStream.stream)).toHaveLength(3)
  })

  it("splits a batch over 1 MB into calls under the limit, and all of it lands", async () => {
    const big = { blob: "x".repeat(8_000) }
    const records = Array.from({ length: 400 }, (_, i) => agentLogMessage(`m${i}`, big))

    const result = await write(records)

    expect(result._tag).toBe("Success")
    expect(server.uploads().length).toBeGreaterThanOrEqual(4)
    expect(server.requests().every((r) => r.status === 204)).toBe(true)
    expect(new Set(server.rows(AgentLogsStream.stream).map((r) => r.message_id))).toEqual(
      new Set(records.map((r) => r.messageId)),
    )
  })

  it("names exactly the messages of the one call that failed when a large batch partly fails", async () => {
    const big = { blob: "x".repeat(8_000) }
    const records = Array.from({ length: 400 }, (_, i) => agentLogMessage(`m${i}`, big))
    server.faults.fail(500, {
      match: ({ rows }) => rows.some((row) => (row as { message_id: string }).message_id === "m200"),
    })

    const error = writeFailure(await write(records))

    const stored = new Set(server.rows(AgentLogsStream.stream).map((r) => r.message_id as string))
    expect(failedIds(error)).toContain("m200")
    expect(failedIds(error).length).toBeLessThan(400)
    expect(new Set(failedIds(error))).toEqual(new Set(records.map((r) => r.messageId).filter((id) => !stored.has(id))))
  })

  it("names a single row over 1 MB as a permanent 413 failure and still lands the others", async () => {
    const huge = agentLogMessage("huge", { blob: "x".repeat(1_100_000) })

    const error = writeFailure(await write([resourceMessage("small"), huge, agentLogMessage("also-small")]))

    expect(failedIds(error)).toEqual(["huge"])
    expect(error.kind).toBe("Rejected")
    expect(error.cause).toEqual([expect.objectContaining({ status: 413, code: "ContentLengthLimitExceeded" })])
    expect(server.rows(AgentLogsStream.stream).map((r) => r.message_id)).toEqual(["also-small"])
    expect(server.rows(ResourcesStream.stream).map((r) => r.message_id)).toEqual(["small"])
  })

  it("reports a wrong stream name as the deployment's 404 (Unavailable), not retried", async () => {
    const error = writeFailure(await write([resourceMessage("m1")], { resourcesStream: "Custom-Wrong" }))

    expect(failedIds(error)).toEqual(["m1"])
    expect(error.kind).toBe("Unavailable")
    expect(error.cause).toEqual([expect.objectContaining({ status: 404, code: "InvalidStream" })])
    expect(server.requests()).toHaveLength(1)
  })

  it("tells a refusal of the data (400) from the deployment's fault (401, 403): Rejected and Unavailable", async () => {
    const kinds: Array<string> = []
    for (const status of [400, 401, 403]) {
      server.faults.fail(status, { count: 1 })
      const error = writeFailure(await write([agentLogMessage(`s${status}`)]))
      expect(failedIds(error)).toEqual([`s${status}`])
      expect(error.message).toContain(String(status))
      kinds.push(error.kind)
    }
    expect(kinds).toEqual(["Rejected", "Unavailable", "Unavailable"])
  })

  it("refuses a record whose row JSON cannot write, alone, and lands its neighbours (issue 10 §2)", async () => {
    let deep: unknown = 1
    for (let i = 0; i < 20_000; i++) deep = [deep]
    const records = [agentLogMessage("before"), agentLogMessage("deep", { deep: deep as never }), resourceMessage("r")]

    const error = writeFailure(await write([...records, agentLogMessage("after")]))

    expect(failedIds(error)).toEqual(["deep"])
    expect(error.kind).toBe("Rejected")
    expect(error.message).toContain("cannot be written as JSON")
    expect(server.rows(AgentLogsStream.stream).map((r) => r.message_id)).toEqual(["before", "after"])
    expect(server.rows(ResourcesStream.stream).map((r) => r.message_id)).toEqual(["r"])
  })

  it("probes each stream with an upload of no rows that the service accepts, storing nothing", async () => {
    const probe = (overrides: Partial<LogAnalyticsSinkOptions> = {}) =>
      Effect.runPromise(
        Effect.scoped(
          Effect.flatMap(LogAnalyticsIngestionSink.make({ ...options, ...overrides }), (s) => s.probe),
        ).pipe(Effect.result),
      )
    expect((await probe())._tag).toBe("Success")
    expect(server.requests().map((request) => [request.stream, request.status, request.rowCount])).toEqual(
      expect.arrayContaining([
        [ResourcesStream.stream, 204, 0],
        [AgentLogsStream.stream, 204, 0],
      ]),
    )
    expect(server.uploads().flatMap((upload) => upload.rows)).toEqual([])

    server.faults.fail(403)
    const refused = await probe()
    const refusal =
      refused._tag === "Failure" && refused.failure._tag === "SinkWriteError" ? refused.failure : undefined
    expect([refusal?.kind, refusal?.failedKeys]).toEqual(["Unavailable", []])
    expect(refusal?.message).toContain("403")
    server.faults.clear()
    const missing = await probe({ agentLogsStream: "Custom-Missing" })
    expect(missing._tag === "Failure" && missing.failure._tag === "SinkWriteError" && missing.failure.kind).toBe(
      "Unavailable",
    )
  })

  it("refuses invalid settings with a config error naming the setting", async () => {
    const result = await write([], { dataCollectionRuleId: "/subscriptions/x/dataCollectionRules/y" })

    expect(result._tag === "Failure" && result.failure._tag).toBe("LogAnalyticsConfigError")
    expect(result._tag === "Failure" && result.failure.message).toContain("dataCollectionRuleId")
  })
})
