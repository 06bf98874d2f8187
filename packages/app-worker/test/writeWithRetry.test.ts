import { assert, describe, it } from "@effect/vitest"
import { LogAnalyticsSink, type SinkRecord, SinkWriteError } from "@haymaker/domain"
import { InMemoryLogAnalytics, sampleRun, sinkRecord } from "@haymaker/testing"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { type SinkRetryPolicy, writeWithRetry } from "../src/pipeline/writeWithRetry.ts"

const records: ReadonlyArray<SinkRecord> = sampleRun
  .slice(0, 4)
  .map((event, i) => sinkRecord(event, { messageId: `m${i}`, sequenceNumber: BigInt(i + 1) }))
const keys = records.map((record) => record.key)

const policy: SinkRetryPolicy = { budget: "1 minute", initialDelay: "100 millis", maxDelay: "300 millis" }

/** Writes `records` to the in-memory Log Analytics sink on a fiber of its own, so the test drives its clock. */
const startWrite = (retry: SinkRetryPolicy = policy) =>
  Effect.gen(function* () {
    const sink = yield* LogAnalyticsSink
    return yield* Effect.forkChild(writeWithRetry("LogAnalytics", sink.write, records, retry))
  })

/** How many write calls the sink has seen once the clock moved on by `millis`. */
const writesAfter = (millis: number) =>
  Effect.gen(function* () {
    yield* TestClock.adjust(millis)
    return (yield* (yield* InMemoryLogAnalytics).writes).length
  })

/** The write reported no failed record, and the in-memory sink stored every record. */
const expectEveryRecordLanded = (writing: Fiber.Fiber<ReadonlyMap<string, unknown>>) =>
  Effect.gen(function* () {
    assert.strictEqual((yield* Fiber.join(writing)).size, 0)
    const stored = yield* (yield* InMemoryLogAnalytics).stored
    assert.deepStrictEqual(stored.map((record) => record.key).sort(), [...keys].sort())
  })

describe("writeWithRetry (on the TestClock)", () => {
  it.effect("retries a transient failure after exponential delays capped at maxDelay, then lands everything", () =>
    Effect.gen(function* () {
      const logs = yield* InMemoryLogAnalytics
      yield* logs.failNextWrites(4, "transient")
      const writing = yield* startWrite()
      // Writes at 0, then 100, 200 and 300 (capped), 300 ms apart.
      const seen = []
      for (const step of [0, 99, 1, 199, 1, 299, 1, 299, 1]) seen.push(yield* writesAfter(step))
      assert.deepStrictEqual(seen, [1, 1, 2, 2, 3, 3, 4, 4, 5])
      yield* expectEveryRecordLanded(writing)
    }).pipe(Effect.provide(InMemoryLogAnalytics.layer)),
  )

  it.effect(
    "gives up, reporting the records as transient failures, when the next retry would start past the budget",
    () =>
      Effect.gen(function* () {
        const logs = yield* InMemoryLogAnalytics
        yield* logs.failNextWrites(10, "transient")
        const writing = yield* startWrite({ ...policy, budget: "250 millis" })
        // 0 and 100 fit; the next would start at 300.
        assert.deepStrictEqual([yield* writesAfter(0), yield* writesAfter(100), yield* writesAfter(1_000)], [1, 2, 2])
        const failures = yield* Fiber.join(writing)
        assert.deepStrictEqual([...failures.keys()].sort(), [...keys].sort())
        assert.deepStrictEqual(new Set([...failures.values()].map((failure) => failure.kind)), new Set(["Transient"]))
      }).pipe(Effect.provide(InMemoryLogAnalytics.layer)),
  )

  it.effect("counts the first write's time against the budget: a sink that never answers gets no retry", () =>
    Effect.gen(function* () {
      let calls = 0
      const never = () =>
        Effect.suspend(() => {
          calls++
          return Effect.never
        })
      const writing = yield* Effect.forkChild(
        writeWithRetry("Archive", never, records, { ...policy, budget: "2 seconds", writeTimeout: "2 seconds" }),
      )
      yield* TestClock.adjust("1 minute")
      const failures = yield* Fiber.join(writing)
      assert.strictEqual(calls, 1)
      assert.strictEqual(failures.size, records.length)
      assert.deepStrictEqual([...failures.values()][0], {
        sink: "Archive",
        kind: "Transient",
        message: "Archive: no answer within 2s",
      })
    }),
  )

  it.effect("retries only the records the sink named as failed", () =>
    Effect.gen(function* () {
      const logs = yield* InMemoryLogAnalytics
      const first = keys[0] ?? ""
      yield* logs.failRecords([first], "transient", { times: 2 })
      const writing = yield* startWrite()
      yield* TestClock.adjust("1 second")
      yield* expectEveryRecordLanded(writing)
      assert.deepStrictEqual(
        (yield* logs.writes).map((write) => write.keys),
        [keys, [first], [first]],
      )
    }).pipe(Effect.provide(InMemoryLogAnalytics.layer)),
  )

  it.effect(
    "never waits on a refusal: a call refused as a whole is written again in halves until one record is named",
    () =>
      Effect.gen(function* () {
        const poisoned = keys[2] ?? ""
        const calls: Array<ReadonlyArray<string>> = []
        const refusing = (batch: ReadonlyArray<SinkRecord>) =>
          Effect.suspend(() => {
            calls.push(batch.map((record) => record.key))
            return batch.some((record) => record.key === poisoned)
              ? Effect.fail(
                  new SinkWriteError({ sink: "LogAnalytics", failedKeys: [], kind: "Rejected", message: "HTTP 400" }),
                )
              : Effect.void
          })
        // No clock adjustment: a refusal is never retried after a delay, so the write finishes on its own.
        const failures = yield* writeWithRetry("LogAnalytics", refusing, records, policy)
        assert.deepStrictEqual(calls, [keys, keys.slice(0, 2), keys.slice(2), [poisoned], keys.slice(3)])
        assert.deepStrictEqual(
          [...failures.entries()],
          [[poisoned, { sink: "LogAnalytics", kind: "Rejected", message: "HTTP 400" }]],
        )
      }),
  )

  it.effect("stops at once on an unavailable sink and reports every record not landed", () =>
    Effect.gen(function* () {
      const logs = yield* InMemoryLogAnalytics
      yield* logs.failNextWrites(1, "unavailable")
      const failures = yield* Effect.flatMap(startWrite(), Fiber.join)
      assert.strictEqual((yield* logs.writes).length, 1)
      assert.deepStrictEqual([...failures.keys()].sort(), [...keys].sort())
      assert.deepStrictEqual(new Set([...failures.values()].map((failure) => failure.kind)), new Set(["Unavailable"]))
    }).pipe(Effect.provide(InMemoryLogAnalytics.layer)),
  )
})
