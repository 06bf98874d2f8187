import { ServiceBusClient } from "@azure/service-bus"
import { describe, expect, it } from "@effect/vitest"
import { toServiceBusMessage } from "@haymaker/adapters-servicebus"
import { AgentLogsStream, DeadLettersStream, ResourcesStream } from "@haymaker/adapters-sinks"
import { DeadLetterQueue, isKnownEventType } from "@haymaker/domain"
import { sampleRun } from "@haymaker/domain/fixtures"
import type { LogsIngestionServerProcess } from "@haymaker/local-stack"
import { Effect } from "effect"
import { loadWorkerConfig } from "../src/config/WorkerConfig.ts"
import { generateRunEvents, invalidBodies } from "../src/demo/generateEvents.ts"
import { readArchive } from "../src/demo/readArchive.ts"
import { OpsServer } from "../src/http/OpsServer.ts"
import type { WorkerTotals } from "../src/pipeline/Worker.ts"
import { serveWorker } from "../src/serveWorker.ts"
import { deadLetterQueueLayer, startEndpoints } from "../src/WorkerLayers.ts"

/**
 * The worker on the local stack (the emulator, Azurite and the HTTPS Logs Ingestion server, all through the real
 * SDKs), fed by an agent publishing through the SDK; returns once every message is settled.
 */
const runLocalStack = (options: {
  readonly generated: number
  readonly arrangeFaults?: (faults: LogsIngestionServerProcess["faults"]) => Promise<void>
}) =>
  Effect.gen(function* () {
    const config = yield* loadWorkerConfig({
      HAYMAKER_HTTP_PORT: "0",
      HAYMAKER_HTTP_HOST: "127.0.0.1",
      HAYMAKER_WORKER_BATCH_WAIT_MS: "20",
      HAYMAKER_SINK_RETRY_BUDGET_MS: "30000",
      HAYMAKER_LOG_LEVEL: "Error",
    })
    const endpoints = yield* startEndpoints(config)
    const bus = endpoints.localBus
    const peers = endpoints.localSinks
    if (bus === undefined || peers === undefined) return yield* Effect.die("expected local peers")
    const arrangeFaults = options.arrangeFaults
    if (arrangeFaults !== undefined) yield* Effect.promise(() => arrangeFaults(peers.logsIngestion.faults))

    let totals: WorkerTotals | undefined
    yield* serveWorker(config, endpoints, (_, current) =>
      Effect.sync(() => {
        totals = current
      }),
    ).pipe(Effect.provide(OpsServer.layer({ host: config.httpHost, port: config.httpPort })), Effect.forkScoped)

    const events = [...sampleRun, ...generateRunEvents(options.generated)]
    const valid = events.map((event) => toServiceBusMessage(event))
    const client = yield* Effect.acquireRelease(
      Effect.sync(() => new ServiceBusClient(bus.connectionString)),
      (c) => Effect.promise(() => c.close()),
    )
    yield* Effect.promise(async () => {
      const sender = client.createSender(config.topic)
      for (let i = 0; i < valid.length; i += 250) await sender.sendMessages(valid.slice(i, i + 250))
      await sender.sendMessages(invalidBodies.map(({ body }) => ({ body })))
      await sender.close()
    })
    const expected = valid.length + invalidBodies.length
    yield* Effect.sleep(100).pipe(
      Effect.repeat({ until: () => (totals?.completed ?? 0) + (totals?.deadLettered ?? 0) >= expected }),
      Effect.timeout("150 seconds"),
    )
    const rows = [
      ...(yield* Effect.promise(() => peers.logsIngestion.rows(ResourcesStream.stream))),
      ...(yield* Effect.promise(() => peers.logsIngestion.rows(AgentLogsStream.stream))),
    ]
    return {
      events,
      // Deliveries beyond the first of each message: the only source of extra copies in the sinks.
      redeliveries: (totals?.received ?? 0) - expected,
      validIds: valid.map((message) => String(message.messageId)),
      rowIds: rows.map((row) => String(row.message_id)),
      archivedIds: (yield* readArchive(endpoints.sinks)).map((entry) => entry.messageId),
      deadLetters: yield* DeadLetterQueue.use((queue) => queue.peek(1_000)).pipe(
        Effect.provide(deadLetterQueueLayer(config, endpoints.serviceBus)),
      ),
      deadLetterRows: yield* Effect.promise(() => peers.logsIngestion.rows(DeadLettersStream.stream)),
      requests: yield* Effect.promise(() => peers.logsIngestion.requests()),
    }
  }).pipe(Effect.scoped)

describe("worker on the local stack (emulator, Azurite, Logs Ingestion server)", () => {
  it.live(
    "the seed's samples and 1,000 generated events all land in Log Analytics and Azurite; invalid ones are dead-lettered with their reason",
    () =>
      Effect.gen(function* () {
        const result = yield* runLocalStack({ generated: 1_000 })
        // Every valid event is archived; a second copy could only come from a redelivery, and carries its message_id.
        expect(new Set(result.archivedIds)).toEqual(new Set(result.validIds))
        expect(result.archivedIds.length - result.validIds.length).toBeLessThanOrEqual(result.redeliveries)
        // Every known event is a Log Analytics row; unknown types are archived only. Duplicates could only be
        // redeliveries, recognisable by message_id.
        const rowIds = new Set(result.rowIds)
        result.events.forEach((event, index) => {
          const id = result.validIds[index] ?? ""
          expect(rowIds.has(id)).toBe(isKnownEventType(event.event_type))
        })
        expect(result.deadLetters.map((letter) => letter.reason).sort()).toEqual(
          invalidBodies.map((body) => body.expectedReason).sort(),
        )
        for (const letter of result.deadLetters) expect(letter.description).not.toBe("")
        // Each dead letter is a row in Log Analytics too (through the SDK, checked against the rule's columns).
        expect(result.deadLetterRows.map((row) => [row.reason, row.message_id]).sort()).toEqual(
          result.deadLetters.map((letter) => [letter.reason, letter.messageId]).sort(),
        )
      }),
    180_000,
  )

  it.live(
    "a burst of 429s and a spell of 500s from Log Analytics: retried, nothing lost",
    () =>
      Effect.gen(function* () {
        const result = yield* runLocalStack({
          generated: 200,
          arrangeFaults: async (faults) => {
            await faults.throttle(4, { retryAfterSeconds: 1 })
            await faults.fail(500, { durationMs: 4_000 })
          },
        })
        const statuses = new Set(result.requests.map((request) => request.status))
        expect(statuses.has(429)).toBe(true)
        expect(statuses.has(500)).toBe(true)
        expect(new Set(result.archivedIds)).toEqual(new Set(result.validIds))
        const rowIds = new Set(result.rowIds)
        result.events.forEach((event, index) => {
          expect(rowIds.has(result.validIds[index] ?? "")).toBe(isKnownEventType(event.event_type))
        })
        expect(result.deadLetters).toHaveLength(invalidBodies.length)
      }),
    180_000,
  )
})
