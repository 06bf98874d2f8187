import { assert, describe, it } from "@effect/vitest"
import { ArchiveSink, LogAnalyticsSink, type SinkRecord } from "@haymaker/domain"
import { sampleRun, seedResourceCreated, seedResourceDeleted } from "@haymaker/domain/fixtures"
import { Effect, Option } from "effect"
import { InMemoryArchive, InMemoryLogAnalytics, sinkRecord } from "../src/index.ts"

const records = sampleRun.map((json, i) => sinkRecord(json, { messageId: `m${i}`, sequenceNumber: BigInt(i + 1) }))
const [first, second, third] = records as unknown as readonly [SinkRecord, SinkRecord, SinkRecord]

describe("InMemoryLogAnalytics", () => {
  it.effect("stores written records and keeps every accepted copy of a rewrite", () =>
    Effect.gen(function* () {
      const sink = yield* LogAnalyticsSink
      const recorder = yield* InMemoryLogAnalytics
      yield* sink.write(records)
      yield* sink.write(records.slice(0, 2))

      const ids = records.map((record) => record.messageId)
      // One stored copy per message; every accepted copy written.
      assert.deepStrictEqual((yield* recorder.stored).map((record) => record.messageId).sort(), [...ids].sort())
      assert.deepStrictEqual(yield* recorder.written, [...records, ...records.slice(0, 2)])
      assert.deepStrictEqual(
        (yield* recorder.writes).map((write) => write.messageIds),
        [ids, ids.slice(0, 2)],
      )
    }).pipe(Effect.provide(InMemoryLogAnalytics.layer)),
  )

  it.effect("ignores empty writes entirely", () =>
    Effect.gen(function* () {
      const recorder = yield* InMemoryLogAnalytics
      yield* recorder.failNextWrites(1, "permanent")
      yield* (yield* LogAnalyticsSink).write([])
      assert.deepStrictEqual(yield* recorder.writes, [])
      const error = yield* Effect.flip((yield* LogAnalyticsSink).write([first]))
      assert.deepStrictEqual(error.failedKeys, ["1"])
    }).pipe(Effect.provide(InMemoryLogAnalytics.layer)),
  )

  it.effect("fails the next writes as a whole, then stores again", () =>
    Effect.gen(function* () {
      const sink = yield* LogAnalyticsSink
      const recorder = yield* InMemoryLogAnalytics
      yield* recorder.failNextWrites(2, "transient")

      const firstError = yield* Effect.flip(sink.write([first, second]))
      const secondError = yield* Effect.flip(sink.write([third]))
      yield* sink.write([third])

      assert.strictEqual(firstError.sink, "LogAnalytics")
      assert.deepStrictEqual(firstError.failedKeys, ["1", "2"])
      assert.isTrue(firstError.transient)
      assert.include(firstError.message, "2 of 2 messages were not stored (sequence numbers 1, 2)")
      assert.deepStrictEqual(secondError.failedKeys, ["3"])
      assert.deepStrictEqual(
        (yield* recorder.stored).map((record) => record.messageId),
        ["m2"],
      )
      assert.deepStrictEqual(
        (yield* recorder.writes).map((write) => write.failedMessageIds),
        [["m0", "m1"], ["m2"], []],
      )
    }).pipe(Effect.provide(InMemoryLogAnalytics.layer)),
  )

  it.effect("fails only the chosen messages, for the given number of writes, and lands the rest", () =>
    Effect.gen(function* () {
      const sink = yield* LogAnalyticsSink
      const recorder = yield* InMemoryLogAnalytics
      yield* recorder.failMessages(["m1"], "permanent", { times: 2 })

      const once = yield* Effect.flip(sink.write([first, second, third]))
      const twice = yield* Effect.flip(sink.write([second]))
      yield* sink.write([second])

      assert.deepStrictEqual(once.failedKeys, ["2"])
      assert.isFalse(once.transient)
      assert.deepStrictEqual(twice.failedKeys, ["2"])
      assert.deepStrictEqual(
        (yield* recorder.stored).map((record) => record.messageId),
        ["m0", "m2", "m1"],
      )
    }).pipe(Effect.provide(InMemoryLogAnalytics.layer)),
  )

  it.effect("reports a batch with transient and permanent failures as transient, so nothing retryable is lost", () =>
    Effect.gen(function* () {
      const recorder = yield* InMemoryLogAnalytics
      yield* recorder.failMessages(["m0"], "permanent")
      yield* recorder.failMessages(["m2"], "transient")
      const error = yield* Effect.flip((yield* LogAnalyticsSink).write([first, second, third]))
      assert.sameMembers([...error.failedKeys], ["1", "3"])
      assert.isTrue(error.transient)

      yield* recorder.clearFaults
      yield* (yield* LogAnalyticsSink).write([first, third])
      assert.strictEqual((yield* recorder.stored).length, 3)
    }).pipe(Effect.provide(InMemoryLogAnalytics.layer)),
  )
})

describe("InMemoryArchive", () => {
  it.effect("is a separate store named Archive in its errors", () =>
    Effect.gen(function* () {
      const archive = yield* InMemoryArchive
      yield* archive.failNextWrites(1, "permanent")
      const error = yield* Effect.flip((yield* ArchiveSink).write([first]))
      assert.strictEqual(error.sink, "Archive")
      yield* (yield* ArchiveSink).write([first])
      assert.deepStrictEqual(
        (yield* archive.stored).map((record) => record.messageId),
        ["m0"],
      )
    }).pipe(Effect.provide(InMemoryArchive.layer)),
  )
})

describe("sinkRecord", () => {
  it("builds the record the worker hands to the sinks, with the resource of a resource event", () => {
    const created = sinkRecord(seedResourceCreated, { messageId: "a" })
    assert.strictEqual(created.event._tag, "ResourceCreated")
    assert.strictEqual(created.raw, seedResourceCreated)
    const resource = Option.getOrThrow(created.resource)
    assert.strictEqual(resource.status, "created")
    assert.deepStrictEqual(resource.tags, { environment: "test", team: "haymaker" })

    const deleted = Option.getOrThrow(sinkRecord(seedResourceDeleted, { messageId: "b" }).resource)
    assert.strictEqual(deleted.status, "deleted")
    assert.deepStrictEqual(deleted.deletedAt, deleted.createdAt)

    const log = sinkRecord(sampleRun[0], { messageId: "c" })
    assert.isTrue(Option.isNone(log.resource))
  })

  it("throws on a fixture that is not a valid event", () => {
    assert.throws(
      () => sinkRecord({ event_type: "resource_created", resource_id: 1 }, { messageId: "x" }),
      /Fixture is not a valid agent event/,
    )
  })
})
