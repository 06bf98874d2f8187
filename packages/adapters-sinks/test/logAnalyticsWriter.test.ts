import { type LogsIngestionServer, startLogsIngestionServer, staticTokenCredential } from "@haymaker/testing/peers"
import { Effect, type Result } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import type { LogAnalyticsSinkOptions } from "../src/logAnalytics/LogAnalyticsConfig.ts"
import type { LogAnalyticsConfigError, LogAnalyticsWriteError } from "../src/logAnalytics/LogAnalyticsErrors.ts"
import { makeLogAnalyticsWriter } from "../src/logAnalytics/LogAnalyticsWriter.ts"
import { AgentLogsStream, ResourcesStream, streamDeclarations } from "../src/logAnalytics/Streams.ts"
import type { SinkMessage } from "../src/SinkMessage.ts"
import { agentLogMessage, otherMessage, resourceMessage, VM_ID } from "./fixtures.ts"

const RULE_ID = "dcr-0123456789abcdef0123456789abcdef"

const writeFailure = (result: Result.Result<unknown, LogAnalyticsConfigError | LogAnalyticsWriteError>) => {
  if (result._tag !== "Failure" || result.failure._tag !== "LogAnalyticsWriteError") {
    throw new Error(`expected a LogAnalyticsWriteError, got ${String(result)}`)
  }
  return result.failure
}

describe("Log Analytics writer through LogsIngestionClient against the local ingestion server", () => {
  let server: LogsIngestionServer
  let options: LogAnalyticsSinkOptions

  const write = (messages: ReadonlyArray<SinkMessage>, overrides: Partial<LogAnalyticsSinkOptions> = {}) =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const writer = yield* makeLogAnalyticsWriter({ ...options, ...overrides })
          return yield* writer.write(messages)
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
      retryDelayMs: 5,
      maxRetryDelayMs: 20,
    }
  })
  afterAll(() => server?.close())
  beforeEach(() => {
    server.faults.clear()
    server.reset()
  })

  it("writes resource rows and agent log rows in the declared shape; other events land without rows", async () => {
    const result = await write([resourceMessage("m1", 1), agentLogMessage("m2"), otherMessage("m3")])

    expect(result._tag === "Success" && result.success).toEqual({ landed: ["m1", "m2", "m3"], failed: [] })
    expect(server.rows(ResourcesStream.stream)).toEqual([
      {
        TimeGenerated: "2024-11-14T12:00:00.000Z",
        resource_id: `${VM_ID}1`,
        resource_type: "Microsoft.Compute/virtualMachines",
        resource_name: "vm11",
        scenario_name: "test-scenario",
        run_id: "run-123",
        created_at: "2024-11-14T12:00:00.000Z",
        status: "created",
        deletion_attempts: null,
        deletion_error: null,
        tags: { environment: "test", team: "haymaker" },
        message_id: "m1",
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
      },
    ])
  })

  it("sends many rows per call", async () => {
    const messages = Array.from({ length: 500 }, (_, i) => resourceMessage(`m${i}`, i))
    const result = await write(messages)

    expect(result._tag).toBe("Success")
    expect(server.uploads()).toHaveLength(1)
    expect(server.rows(ResourcesStream.stream)).toHaveLength(500)
  })

  it("retries a 429 after Retry-After and then lands everything", async () => {
    server.faults.throttle(1, { retryAfterSeconds: 1 })

    const result = await write([resourceMessage("m1")])

    expect(result._tag === "Success" && result.success).toEqual({ landed: ["m1"], failed: [] })
    expect(server.requests().map((r) => r.status)).toEqual([429, 204])
  })

  it("retries a transient 503 and 500 then lands", async () => {
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
    expect(error.failed.map((f) => f.messageId)).toEqual(["a1", "a2"])
    expect(error.failed[0]).toMatchObject({ status: 500, code: "InternalServerError" })
    expect(error.landed).toEqual(["r1", "o1"])
    expect(error.message).toContain("2 of 4 messages were not stored (a1, a2)")
    // 1 try + 2 retries of the agent logs call, 1 call for resources.
    expect(server.requests().filter((r) => r.stream === AgentLogsStream.stream)).toHaveLength(3)
  })

  it("splits a batch over 1 MB into calls under the limit, and all of it lands", async () => {
    const big = { blob: "x".repeat(8_000) }
    const messages = Array.from({ length: 400 }, (_, i) => agentLogMessage(`m${i}`, big))

    const result = await write(messages)

    expect(result._tag).toBe("Success")
    expect(server.uploads().length).toBeGreaterThanOrEqual(4)
    expect(server.requests().every((r) => r.status === 204)).toBe(true)
    expect(new Set(server.rows(AgentLogsStream.stream).map((r) => r.message_id))).toEqual(
      new Set(messages.map((m) => m.messageId)),
    )
  })

  it("names exactly the messages of the one chunk that failed when a large batch partly fails", async () => {
    const big = { blob: "x".repeat(8_000) }
    const messages = Array.from({ length: 400 }, (_, i) => agentLogMessage(`m${i}`, big))
    server.faults.fail(500, {
      match: ({ rows }) => rows.some((row) => (row as { message_id: string }).message_id === "m200"),
    })

    const result = await write(messages)

    const error = writeFailure(result)
    const stored = new Set(server.rows(AgentLogsStream.stream).map((r) => r.message_id as string))
    const failed = error.failed.map((f) => f.messageId)
    expect(failed).toContain("m200")
    expect(failed.length).toBeGreaterThan(0)
    expect(failed.length).toBeLessThan(400)
    expect(new Set(failed)).toEqual(new Set(messages.map((m) => m.messageId).filter((id) => !stored.has(id))))
    expect(new Set(error.landed)).toEqual(stored)
  })

  it("reports a wrong stream name as 404 failures, not retried", async () => {
    const result = await write([resourceMessage("m1")], { resourcesStream: "Custom-Wrong" })

    expect(writeFailure(result).failed).toEqual([
      expect.objectContaining({ messageId: "m1", status: 404, code: "InvalidStream" }),
    ])
    expect(server.requests()).toHaveLength(1)
  })

  it("refuses invalid settings with a config error naming the setting", async () => {
    const result = await write([], { dataCollectionRuleId: "/subscriptions/x/dataCollectionRules/y" })

    expect(result._tag).toBe("Failure")
    if (result._tag !== "Failure") return
    expect(result.failure._tag).toBe("LogAnalyticsConfigError")
    expect(result.failure.message).toContain("dataCollectionRuleId")
  })
})
