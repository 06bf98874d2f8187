import { assert, describe, expect, it } from "@effect/vitest"
import { type AgentEvent, ArchiveSink, EventPublisher, EventSubscription, type SinkRecord } from "@haymaker/domain"
import { sampleRun, sampleUnknownEvent } from "@haymaker/domain/fixtures"
import { agentEvent, InMemoryArchive, InMemoryBus, InMemoryLogAnalytics } from "@haymaker/testing"
import { Deferred, type Duration, Effect, Fiber, Layer, Option, Stream } from "effect"
import { TestClock } from "effect/testing"
import { type BatchPolicy, processBatch, sinkRejectedReason } from "../src/pipeline/processBatch.ts"
import { runWorker } from "../src/pipeline/Worker.ts"
import {
  drainWorker as drain,
  fileSinksLayer,
  inMemoryWorkerLayer,
  testWorkerOptions as options,
  sampleOperation,
  sendSampleRunAndInvalidBodies,
  useTemporaryDirectory,
} from "./support/worker.ts"
import { archivedMessageIds, loggedMessageIds } from "./support/workerProcess.ts"

const sampleEvents = sampleRun.map(agentEvent)

const publish = (events: ReadonlyArray<AgentEvent>) => EventPublisher.use((publisher) => publisher.publishAll(events))

/** Takes the first `count` messages from the subscription and processes them as one batch, on the test's clock. */
const processFirst = (count: number, policy: BatchPolicy) =>
  EventSubscription.use((subscription) =>
    subscription.messages.pipe(
      Stream.take(count),
      Stream.grouped(count),
      Stream.mapEffect((batch) => processBatch(batch, policy)),
      Stream.runHead,
      Effect.map(Option.getOrThrow),
    ),
  )

// `closeGrace`: held messages may still be settled while the subscription closes, as with the Service Bus adapter.
const testLayer = (closeGrace: Duration.Input = 0) => inMemoryWorkerLayer({ closeGrace })

const sinkDir = useTemporaryDirectory("haymaker-batch-")

/** Publishes two events whose Log Analytics writes fail as transient (`times` times, or always); their message ids. */
const publishTwoFailingAtLogAnalytics = (failures: { readonly times?: number } = {}) =>
  Effect.gen(function* () {
    yield* publish(sampleEvents.slice(0, 2))
    const ids = (yield* (yield* InMemoryBus).published).map((m) => m.messageId)
    yield* (yield* InMemoryLogAnalytics).failMessages(ids, "transient", failures)
    return ids
  })

const storedIds = (records: ReadonlyArray<SinkRecord>) => records.map((record) => record.messageId).sort()

describe("worker pipeline (in-memory bus and sinks)", () => {
  it.live(
    "writes every valid event to both sinks, completes it, and dead-letters invalid bodies with their reason",
    () =>
      Effect.gen(function* () {
        const bus = yield* InMemoryBus
        yield* sendSampleRunAndInvalidBodies

        const totals = yield* drain(options())

        const published = yield* bus.published
        const validIds = published
          .slice(0, sampleEvents.length)
          .map((m) => m.messageId)
          .sort()
        expect(storedIds(yield* (yield* InMemoryLogAnalytics).stored)).toEqual(validIds)
        expect(storedIds(yield* (yield* InMemoryArchive).stored)).toEqual(validIds)
        expect((yield* bus.completed).map((m) => m.messageId).sort()).toEqual(validIds)
        const deadLetters = yield* bus.deadLetters
        expect(deadLetters.map((m) => m.reason).sort()).toEqual(["InvalidJson", "NotAnObject", "SchemaViolation"])
        expect(deadLetters.find((m) => m.reason === "SchemaViolation")?.description).toContain("resource_type")
        expect(totals).toMatchObject({
          received: sampleEvents.length + 3,
          completed: sampleEvents.length,
          deadLettered: 3,
        })
      }).pipe(Effect.provide(testLayer())),
  )

  it.live("archives and completes an unknown event type", () =>
    Effect.gen(function* () {
      const bus = yield* InMemoryBus
      yield* publish([agentEvent(sampleUnknownEvent)])
      yield* drain(options())
      const archived = yield* (yield* InMemoryArchive).stored
      expect(archived).toHaveLength(1)
      expect(archived[0]?.event._tag).toBe("UnknownEvent")
      expect(archived[0]?.raw).toEqual(sampleUnknownEvent)
      expect(yield* bus.completed).toHaveLength(1)
      expect(yield* bus.deadLetters).toHaveLength(0)
    }).pipe(Effect.provide(testLayer())),
  )

  it.live("completes invalid bodies under the seed's `complete` policy, writing nothing", () =>
    Effect.gen(function* () {
      const bus = yield* InMemoryBus
      yield* bus.send("not json")
      yield* drain(options({ invalidMessages: "complete" }))
      expect(yield* bus.completed).toHaveLength(1)
      expect(yield* bus.deadLetters).toHaveLength(0)
      expect(yield* (yield* InMemoryArchive).stored).toHaveLength(0)
    }).pipe(Effect.provide(testLayer())),
  )

  it.effect("retries a transient sink failure on the clock and completes once both sinks confirmed", () =>
    Effect.gen(function* () {
      const bus = yield* InMemoryBus
      const logs = yield* InMemoryLogAnalytics
      yield* logs.failNextWrites(2, "transient")
      yield* publish(sampleEvents)
      const processing = yield* Effect.forkChild(processFirst(sampleEvents.length, options()))
      // Retries after 5 and 10 ms: nothing is settled before the clock gets there.
      yield* TestClock.adjust("14 millis")
      assert.isUndefined(processing.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      const outcome = yield* Fiber.join(processing)
      expect(outcome).toMatchObject({ completed: sampleEvents.length, abandoned: 0, outage: undefined })
      expect(yield* bus.completed).toHaveLength(sampleEvents.length)
      expect(yield* logs.stored).toHaveLength(sampleEvents.length)
      const writes = yield* logs.writes
      expect(writes.filter((w) => w.failedMessageIds.length > 0)).toHaveLength(2)
    }).pipe(Effect.provide(testLayer("1 minute"))),
  )

  it.effect("retries only the records a sink named as failed", () =>
    Effect.gen(function* () {
      const bus = yield* InMemoryBus
      const archive = yield* InMemoryArchive
      yield* publish(sampleEvents)
      const [first] = yield* bus.published
      yield* archive.failMessages([first?.messageId ?? ""], "transient", { times: 1 })
      const processing = yield* Effect.forkChild(processFirst(sampleEvents.length, options()))
      yield* TestClock.adjust("5 millis")
      yield* Fiber.join(processing)
      const writes = yield* archive.writes
      expect(writes.map((write) => write.messageIds.length)).toEqual([sampleEvents.length, 1])
      expect(writes.at(-1)?.messageIds).toEqual([first?.messageId])
      expect(yield* archive.stored).toHaveLength(sampleEvents.length)
      expect(yield* bus.completed).toHaveLength(sampleEvents.length)
    }).pipe(Effect.provide(testLayer("1 minute"))),
  )

  it.live("abandons what still fails when the retry budget is spent; the redelivery lands (nothing lost)", () =>
    Effect.gen(function* () {
      const bus = yield* InMemoryBus
      const logs = yield* InMemoryLogAnalytics
      const ids = yield* publishTwoFailingAtLogAnalytics({ times: 3 })
      const totals = yield* drain(
        options({ sinkRetry: { budget: "0 millis", initialDelay: "1 millis", maxDelay: "1 millis" } }),
      )
      expect(totals.abandoned).toBeGreaterThan(0)
      expect(totals.settlementFailures).toBe(0)
      expect((yield* bus.completed).map((m) => m.messageId).sort()).toEqual([...ids].sort())
      expect(storedIds(yield* logs.stored)).toEqual([...ids].sort())
      expect(yield* bus.deadLetters).toHaveLength(0)
      // The outage stops the receiver before the batch hands its messages back; the grace lets it settle them.
    }).pipe(Effect.provide(testLayer("30 seconds"))),
  )

  it.effect(
    "abandons what still fails when the retry budget (on the clock) is spent, as an outage: nothing is dead-lettered",
    () =>
      Effect.gen(function* () {
        const bus = yield* InMemoryBus
        const logs = yield* InMemoryLogAnalytics
        yield* publishTwoFailingAtLogAnalytics()
        const policy = options({ sinkRetry: { budget: "20 millis", initialDelay: "5 millis", maxDelay: "20 millis" } })
        const processing = yield* Effect.forkChild(processFirst(2, policy))
        yield* TestClock.adjust("1 second")
        const outcome = yield* Fiber.join(processing)
        // Writes at 0, 5 and 15 ms; the next would start at 35, past the budget.
        expect((yield* logs.writes).length).toBe(3)
        expect(outcome).toMatchObject({ completed: 0, abandoned: 2, deadLettered: 0 })
        expect(outcome.outage).toMatchObject({ sink: "LogAnalytics", kind: "Transient" })
        expect(yield* bus.deadLetters).toHaveLength(0)
        expect(yield* bus.active).toBe(2)
      }).pipe(Effect.provide(testLayer("1 minute"))),
  )

  it.live("dead-letters a record a sink refused for good and completes the rest of its batch", () =>
    Effect.gen(function* () {
      const bus = yield* InMemoryBus
      const logs = yield* InMemoryLogAnalytics
      yield* publish(sampleEvents)
      const [first, ...rest] = (yield* bus.published).map((m) => m.messageId)
      yield* logs.failMessages([first ?? ""], "permanent")
      yield* drain(options({ batchSize: 100, batchWait: "50 millis" }))
      const deadLetters = yield* bus.deadLetters
      expect(deadLetters.map((m) => [m.messageId, m.reason])).toEqual([[first, sinkRejectedReason]])
      expect(deadLetters[0]?.description).toContain("LogAnalytics")
      expect((yield* bus.completed).map((m) => m.messageId).sort()).toEqual([...rest].sort())
    }).pipe(Effect.provide(testLayer())),
  )

  it.live("on stop, takes no new message but finishes and settles the batch in flight", () =>
    Effect.gen(function* () {
      const bus = yield* InMemoryBus
      const writing = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const slowArchive = Layer.succeed(ArchiveSink)({
        write: () => Deferred.succeed(writing, undefined).pipe(Effect.andThen(Deferred.await(release))),
        probe: Effect.void,
      })
      yield* publish(sampleEvents.slice(0, 3))
      const stop = yield* Deferred.make<void>()
      const worker = yield* runWorker(options({ batchSize: 3, batchWait: "1000 millis" }), stop).pipe(
        Effect.provide(slowArchive),
        Effect.forkChild,
      )
      yield* Deferred.await(writing)
      yield* Deferred.succeed(stop, undefined)
      yield* publish(sampleEvents.slice(3, 5))
      yield* Deferred.succeed(release, undefined)
      const totals = yield* Fiber.join(worker)
      expect(totals.completed).toBe(3)
      expect(yield* bus.completed).toHaveLength(3)
      // The two published after the stop were never taken: still waiting for the next worker.
      expect(yield* bus.active).toBe(2)
    }).pipe(Effect.provide(testLayer("5 seconds"))),
  )

  it.live(
    "a body nested 5,000 levels deep is dead-lettered as BodyTooDeep; its batch neighbours land and complete",
    () =>
      Effect.gen(function* () {
        const bus = yield* InMemoryBus
        yield* publish(sampleEvents)
        // Both are valid events apart from their shape: without limits they decode and reach the sinks.
        const valid = JSON.stringify({ ...sampleOperation, details: { x: "@" } })
        const deep = valid.replace('"@"', `${"[".repeat(5_000)}${"]".repeat(5_000)}`)
        const poison = yield* bus.send(Buffer.from(deep))
        const huge = yield* bus.send(Buffer.from(valid.replace('"@"', JSON.stringify("x".repeat(300_000)))))
        const totals = yield* drain(options({ batchSize: 100, batchWait: "50 millis" }))
        const deadLetters = yield* bus.deadLetters
        expect(deadLetters.map((m) => [m.messageId, m.reason]).sort()).toEqual(
          [
            [poison.messageId, "BodyTooDeep"],
            [huge.messageId, "BodyTooLarge"],
          ].sort(),
        )
        expect(deadLetters.find((m) => m.reason === "BodyTooDeep")?.description).toContain("64 levels")
        const validIds = (yield* bus.published).slice(0, sampleEvents.length).map((m) => m.messageId)
        expect((yield* bus.completed).map((m) => m.messageId).sort()).toEqual([...validIds].sort())
        // The real (JSON-writing) sinks stored every neighbour.
        const archived = (yield* Effect.promise(() => archivedMessageIds(sinkDir()))).sort()
        expect(archived).toEqual([...validIds].sort())
        expect(totals).toMatchObject({ deadLettered: 2, completed: sampleEvents.length, abandoned: 0 })
      }).pipe(Effect.provide(fileSinksLayer(sinkDir()))),
  )

  it.live("keeps distinct events that share a message id: each lands in both sinks and completes (issue 10 §5)", () =>
    Effect.gen(function* () {
      const bus = yield* InMemoryBus
      // 100 pairs: two different events under one id, as a publisher that reuses ids sends them.
      const pairs = Array.from({ length: 100 }, (_, i) => `shared-${i}`)
      for (const id of pairs) {
        for (const step of [1, 2]) {
          const event = { ...sampleOperation, details: { pair: id, step } }
          yield* bus.send(Buffer.from(JSON.stringify(event)), { messageId: id })
        }
      }
      yield* drain(options({ batchSize: 200, batchWait: "50 millis" }))
      expect(yield* bus.completed).toHaveLength(200)
      expect(yield* bus.deadLetters).toHaveLength(0)
      const archived = yield* Effect.promise(() => archivedMessageIds(sinkDir()))
      const logged = yield* Effect.promise(() => loggedMessageIds(sinkDir()))
      for (const ids of [archived, logged]) {
        expect(ids).toHaveLength(200)
        expect(new Set(ids)).toEqual(new Set(pairs))
      }
    }).pipe(Effect.provide(fileSinksLayer(sinkDir()))),
  )
})
