import { expect, layer } from "@effect/vitest"
import type { SinkRecord } from "@haymaker/domain"
import type { LogsIngestionServer } from "@haymaker/local-stack"
import { Context, Duration, Effect, Layer } from "effect"
import type { LogAnalyticsSinkOptions } from "../src/logAnalytics/LogAnalyticsConfig.ts"
import * as LogAnalyticsIngestionSink from "../src/logAnalytics/LogAnalyticsIngestionSink.ts"
import { AgentLogsStream, ResourcesStream } from "../src/logAnalytics/Streams.ts"
import { agentLogMessage, failedIds, otherMessage, resourceDump, resourceMessage } from "./fixtures.ts"
import { ingestionOptions, scopedLogsIngestionServer } from "./peers.ts"

/** The local Logs Ingestion server of the suite, and sink options pointing at it. */
class Server extends Context.Service<
  Server,
  { readonly server: LogsIngestionServer; readonly options: LogAnalyticsSinkOptions }
>()("adapters-sinks/test/logAnalyticsIngestionSink/Server") {
  static readonly layer = Layer.effect(
    Server,
    Effect.map(scopedLogsIngestionServer, (server) => ({
      server,
      options: {
        ...ingestionOptions(server),
        maxRetries: 2,
        retryDelay: Duration.millis(5),
        maxRetryDelay: Duration.millis(20),
      },
    })),
  )
}

/** The server with no faults and nothing received, for a test of its own. */
const freshServer = Effect.map(Server, ({ server }) => {
  server.faults.clear()
  server.reset()
  return server
})

const write = (records: ReadonlyArray<SinkRecord>, overrides: Partial<LogAnalyticsSinkOptions> = {}) =>
  Effect.gen(function* () {
    const { options } = yield* Server
    const sink = yield* LogAnalyticsIngestionSink.make({ ...options, ...overrides })
    return yield* sink.write(records)
  })

/** The SinkWriteError a write fails with (any other outcome fails the test). */
const writeFailure = (records: ReadonlyArray<SinkRecord>, overrides: Partial<LogAnalyticsSinkOptions> = {}) =>
  Effect.flatMap(Effect.flip(write(records, overrides)), (failure) =>
    failure._tag === "SinkWriteError"
      ? Effect.succeed(failure)
      : Effect.die(new Error(`expected a SinkWriteError, got ${failure._tag}`)),
  )

layer(Server.layer, { excludeTestServices: true })(
  "LogAnalyticsIngestionSink through LogsIngestionClient against the local ingestion server",
  (it) => {
    it.effect("writes resource rows and agent log rows in the declared shape; other events land without rows", () =>
      Effect.gen(function* () {
        const server = yield* freshServer
        const records = [resourceMessage("m1", 1), agentLogMessage("m2"), otherMessage("m3")]
        yield* write(records)

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
      }),
    )

    it.effect("sends many rows per call", () =>
      Effect.gen(function* () {
        const server = yield* freshServer
        const records = Array.from({ length: 500 }, (_, i) => resourceMessage(`m${i}`, i))
        yield* write(records)

        expect(server.uploads()).toHaveLength(1)
        expect(server.rows(ResourcesStream.stream).map((row) => row.message_id)).toEqual(
          records.map((r) => r.messageId),
        )
      }),
    )

    it.effect("retries a 429 after Retry-After and then lands everything", () =>
      Effect.gen(function* () {
        const server = yield* freshServer
        server.faults.throttle(1, { retryAfterSeconds: 1 })

        yield* write([resourceMessage("m1")])

        expect(server.requests().map((r) => r.status)).toEqual([429, 204])
        expect(server.rows(ResourcesStream.stream).map((r) => r.message_id)).toEqual(["m1"])
      }),
    )

    it.effect("retries a transient 503 and 500, then lands", () =>
      Effect.gen(function* () {
        const server = yield* freshServer
        server.faults.fail(503, { count: 1 })
        server.faults.fail(500, { count: 1 })

        yield* write([agentLogMessage("m1")])

        expect(server.requests().map((r) => r.status)).toEqual([503, 500, 204])
      }),
    )

    it.effect("fails with a typed error naming exactly the messages of a stream that keeps answering 500", () =>
      Effect.gen(function* () {
        const server = yield* freshServer
        server.faults.fail(500, { match: ({ stream }) => stream === AgentLogsStream.stream })

        const error = yield* writeFailure([
          resourceMessage("r1"),
          agentLogMessage("a1"),
          agentLogMessage("a2"),
          otherMessage("o1"),
        ])

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
      }),
    )

    it.effect("splits a batch over 1 MB into calls under the limit, and all of it lands", () =>
      Effect.gen(function* () {
        const server = yield* freshServer
        const big = { blob: "x".repeat(8_000) }
        const records = Array.from({ length: 400 }, (_, i) => agentLogMessage(`m${i}`, big))

        yield* write(records)

        expect(server.uploads().length).toBeGreaterThanOrEqual(4)
        expect(server.requests().every((r) => r.status === 204)).toBe(true)
        expect(new Set(server.rows(AgentLogsStream.stream).map((r) => r.message_id))).toEqual(
          new Set(records.map((r) => r.messageId)),
        )
      }),
    )

    it.effect("names exactly the messages of the one call that failed when a large batch partly fails", () =>
      Effect.gen(function* () {
        const server = yield* freshServer
        const big = { blob: "x".repeat(8_000) }
        const records = Array.from({ length: 400 }, (_, i) => agentLogMessage(`m${i}`, big))
        server.faults.fail(500, {
          match: ({ rows }) => rows.some((row) => (row as { message_id: string }).message_id === "m200"),
        })

        const error = yield* writeFailure(records)

        const stored = new Set(server.rows(AgentLogsStream.stream).map((r) => r.message_id as string))
        expect(failedIds(error)).toContain("m200")
        expect(failedIds(error).length).toBeLessThan(400)
        expect(new Set(failedIds(error))).toEqual(
          new Set(records.map((r) => r.messageId).filter((id) => !stored.has(id))),
        )
      }),
    )

    it.effect("names a single row over 1 MB as a permanent 413 failure and still lands the others", () =>
      Effect.gen(function* () {
        const server = yield* freshServer
        const huge = agentLogMessage("huge", { blob: "x".repeat(1_100_000) })

        const error = yield* writeFailure([resourceMessage("small"), huge, agentLogMessage("also-small")])

        expect(failedIds(error)).toEqual(["huge"])
        expect(error.kind).toBe("Rejected")
        expect(error.cause).toEqual([expect.objectContaining({ status: 413, code: "ContentLengthLimitExceeded" })])
        expect(server.rows(AgentLogsStream.stream).map((r) => r.message_id)).toEqual(["also-small"])
        expect(server.rows(ResourcesStream.stream).map((r) => r.message_id)).toEqual(["small"])
      }),
    )

    it.effect("reports a wrong stream name as the deployment's 404 (Unavailable), not retried", () =>
      Effect.gen(function* () {
        const server = yield* freshServer
        const error = yield* writeFailure([resourceMessage("m1")], { resourcesStream: "Custom-Wrong" })

        expect(failedIds(error)).toEqual(["m1"])
        expect(error.kind).toBe("Unavailable")
        expect(error.cause).toEqual([expect.objectContaining({ status: 404, code: "InvalidStream" })])
        expect(server.requests()).toHaveLength(1)
      }),
    )

    it.effect(
      "tells a refusal of the data (400) from the deployment's fault (401, 403): Rejected and Unavailable",
      () =>
        Effect.gen(function* () {
          const server = yield* freshServer
          const kinds: Array<string> = []
          for (const status of [400, 401, 403]) {
            server.faults.fail(status, { count: 1 })
            const error = yield* writeFailure([agentLogMessage(`s${status}`)])
            expect(failedIds(error)).toEqual([`s${status}`])
            expect(error.message).toContain(String(status))
            kinds.push(error.kind)
          }
          expect(kinds).toEqual(["Rejected", "Unavailable", "Unavailable"])
        }),
    )

    it.effect("refuses a record whose row JSON cannot write, alone, and lands its neighbours (issue 10 §2)", () =>
      Effect.gen(function* () {
        const server = yield* freshServer
        let deep: unknown = 1
        for (let i = 0; i < 20_000; i++) deep = [deep]
        const records = [
          agentLogMessage("before"),
          agentLogMessage("deep", { deep: deep as never }),
          resourceMessage("r"),
        ]

        const error = yield* writeFailure([...records, agentLogMessage("after")])

        expect(failedIds(error)).toEqual(["deep"])
        expect(error.kind).toBe("Rejected")
        expect(error.message).toContain("cannot be written as JSON")
        expect(server.rows(AgentLogsStream.stream).map((r) => r.message_id)).toEqual(["before", "after"])
        expect(server.rows(ResourcesStream.stream).map((r) => r.message_id)).toEqual(["r"])
      }),
    )

    it.effect("probes each stream with an upload of no rows that the service accepts, storing nothing", () =>
      Effect.gen(function* () {
        const server = yield* freshServer
        const { options } = yield* Server
        const probe = (overrides: Partial<LogAnalyticsSinkOptions> = {}) =>
          Effect.flatMap(LogAnalyticsIngestionSink.make({ ...options, ...overrides }), (sink) => sink.probe)
        /** The probe's failure, a SinkWriteError (any other outcome fails the test). */
        const probeFailure = (overrides: Partial<LogAnalyticsSinkOptions> = {}) =>
          Effect.flatMap(Effect.flip(probe(overrides)), (failure) =>
            failure._tag === "SinkWriteError"
              ? Effect.succeed(failure)
              : Effect.die(new Error(`expected a SinkWriteError, got ${failure._tag}`)),
          )
        yield* probe()
        expect(server.requests().map((request) => [request.stream, request.status, request.rowCount])).toEqual(
          expect.arrayContaining([
            [ResourcesStream.stream, 204, 0],
            [AgentLogsStream.stream, 204, 0],
          ]),
        )
        expect(server.uploads().flatMap((upload) => upload.rows)).toEqual([])

        server.faults.fail(403)
        const refusal = yield* probeFailure()
        expect([refusal.kind, refusal.failedKeys]).toEqual(["Unavailable", []])
        expect(refusal.message).toContain("403")
        server.faults.clear()
        expect((yield* probeFailure({ agentLogsStream: "Custom-Missing" })).kind).toBe("Unavailable")
      }),
    )

    it.effect("refuses invalid settings with a config error naming the setting", () =>
      Effect.gen(function* () {
        const failure = yield* Effect.flip(
          write([], { dataCollectionRuleId: "/subscriptions/x/dataCollectionRules/y" }),
        )
        expect(failure._tag).toBe("LogAnalyticsConfigError")
        expect(failure.message).toContain("dataCollectionRuleId")
      }),
    )
  },
)
