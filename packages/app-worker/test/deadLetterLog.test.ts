import { mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { DeadLettersStream, FileArchiveSink, FileLogAnalyticsSink } from "@haymaker/adapters-sinks"
import { DeadLetterLog, EventPublisher, SinkWriteError } from "@haymaker/domain"
import { sampleRun } from "@haymaker/domain/fixtures"
import { agentEvent, InMemoryArchive, InMemoryBus, InMemoryLogAnalytics } from "@haymaker/testing"
import { Deferred, Effect, Fiber, Layer } from "effect"
import { runWorker, type WorkerOptions } from "../src/pipeline/Worker.ts"

const options: WorkerOptions = {
  batchSize: 50,
  batchWait: "10 millis",
  batchConcurrency: 2,
  invalidMessages: "dead-letter",
  sinkRetry: { budget: "2000 millis", initialDelay: "5 millis", maxDelay: "20 millis" },
  recovery: { initialDelay: "10 millis", maxDelay: "50 millis" },
}

const drain = Effect.gen(function* () {
  const bus = yield* InMemoryBus
  const stop = yield* Deferred.make<void>()
  const worker = yield* runWorker(options, stop).pipe(Effect.forkChild)
  yield* bus.awaitSettled.pipe(Effect.timeout("10 seconds"))
  yield* Deferred.succeed(stop, undefined)
  return yield* Fiber.join(worker)
})

/** Valid events, and three bodies a broken agent might send. */
const sendMixed = Effect.gen(function* () {
  const bus = yield* InMemoryBus
  yield* EventPublisher.use((publisher) => publisher.publishAll(sampleRun.map(agentEvent)))
  yield* bus.send(new TextEncoder().encode("{not json"))
  yield* bus.send(new TextEncoder().encode("[1,2]"))
  yield* bus.send(
    new TextEncoder().encode(
      JSON.stringify({ event_type: "resource_created", run_id: "run-broken", resource_id: "/x" }),
    ),
  )
})

let directory = ""
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "haymaker-dead-letter-rows-"))
})
afterEach(() => rm(directory, { recursive: true, force: true }))

describe("the worker's dead-letter log (a Log Analytics row per dead-lettered message)", () => {
  it.live("writes a row per dead-lettered message: its reason, description, identity and what is known of it", () =>
    Effect.gen(function* () {
      yield* sendMixed
      yield* drain
      const letters = yield* (yield* InMemoryBus).deadLetters
      const text = yield* Effect.promise(() =>
        readFile(join(directory, "log-analytics", `${DeadLettersStream.table}.jsonl`), "utf8"),
      )
      const rows = text
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Record<string, unknown>)
      // Exactly the dead-letter queue, message for message, with the same reason and description.
      const byReason = (a: Record<string, unknown>, b: Record<string, unknown>) =>
        String(a.reason).localeCompare(String(b.reason))
      expect(rows.map((row) => [row.reason, row.description, row.message_id]).sort()).toEqual(
        letters.map((letter) => [letter.reason, letter.description, letter.messageId]).sort(),
      )
      expect(rows.sort(byReason).map((row) => [row.reason, row.event_type])).toEqual([
        ["InvalidJson", null],
        ["NotAnObject", null],
        ["SchemaViolation", "resource_created"],
      ])
      for (const row of rows) {
        expect(Number.isInteger(row.delivery_count)).toBe(true)
        expect(Date.parse(String(row.TimeGenerated))).not.toBeNaN()
        expect(row.sequence_number).toMatch(/^\d+$/)
      }
    }).pipe(
      Effect.provide(
        Layer.mergeAll(
          InMemoryBus.layer({ maxDeliveryCount: 10 }),
          FileLogAnalyticsSink.layer({ directory }),
          FileArchiveSink.layer({ directory }),
        ),
      ),
    ),
  )

  it.live("a failing dead-letter log changes no settlement: the messages are dead-lettered all the same", () =>
    Effect.gen(function* () {
      yield* sendMixed
      const totals = yield* drain
      const bus = yield* InMemoryBus
      expect((yield* bus.deadLetters).map((letter) => letter.reason).sort()).toEqual([
        "InvalidJson",
        "NotAnObject",
        "SchemaViolation",
      ])
      expect(totals).toMatchObject({ completed: sampleRun.length, deadLettered: 3 })
      expect(yield* (yield* InMemoryArchive).stored).toHaveLength(sampleRun.length)
    }).pipe(
      Effect.provide(
        Layer.mergeAll(
          InMemoryBus.layer({ maxDeliveryCount: 10 }),
          InMemoryLogAnalytics.layer,
          InMemoryArchive.layer,
          Layer.succeed(
            DeadLetterLog,
            DeadLetterLog.of({
              record: (records) =>
                Effect.fail(
                  new SinkWriteError({
                    sink: "DeadLetterLog",
                    failedKeys: records.map((record) => record.key),
                    kind: "Unavailable",
                    message: "Log Analytics is down",
                  }),
                ),
            }),
          ),
        ),
      ),
    ),
  )
})
