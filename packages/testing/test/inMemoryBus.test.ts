import { assert, describe, expect, it } from "@effect/vitest"
import {
  type AgentEvent,
  decodeMessageBody,
  EventPublisher,
  EventSubscription,
  encodeAgentEvent,
  type ReceivedMessage,
  type SettlementError,
  type SubscriptionError,
} from "@haymaker/domain"
import { seedEventSchemaExamples, seedResourceCreated } from "@haymaker/domain/fixtures"
import { DateTime, Deferred, type Duration, Effect, Fiber, Result, Stream } from "effect"
import { TestClock } from "effect/testing"
import { agentEvent, InMemoryBus, MAX_DELIVERY_COUNT_EXCEEDED, toMessageBody } from "../src/index.ts"

const events: ReadonlyArray<AgentEvent> = seedEventSchemaExamples.map(agentEvent)
const created = agentEvent(seedResourceCreated)

/** Receives `count` messages and hands each to `handle` inside the run, as a worker does. */
const receive = <A, E>(count: number, handle: (message: ReceivedMessage) => Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const subscription = yield* EventSubscription
    return yield* subscription.messages.pipe(Stream.take(count), Stream.mapEffect(handle), Stream.runCollect)
  })

const completeAll = (count: number) => receive(count, (message) => Effect.as(message.complete, message))

/** The settlement error of an effect expected to fail; a success fails the test. */
const settlementFailure = <A>(effect: Effect.Effect<A, SettlementError>): Effect.Effect<SettlementError> =>
  Effect.flip(effect).pipe(Effect.catch(() => Effect.die(new Error("expected the settlement to fail"))))

describe("InMemoryBus", () => {
  it.effect("delivers published events as UTF-8 JSON bytes, in sequence order, with first delivery count 0", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2025-01-02T03:04:05Z"))
      const publisher = yield* EventPublisher
      yield* publisher.publishAll(events)

      const received = yield* completeAll(3)

      assert.deepStrictEqual(
        received.map((message) => message.sequenceNumber),
        [1n, 2n, 3n],
      )
      for (const [i, message] of received.entries()) {
        assert.instanceOf(message.body, Uint8Array)
        const decoded = decodeMessageBody(message.body)
        assert.isTrue(Result.isSuccess(decoded))
        if (Result.isSuccess(decoded)) {
          assert.deepStrictEqual(encodeAgentEvent(decoded.success), encodeAgentEvent(events[i] as AgentEvent))
        }
        assert.strictEqual(message.deliveryCount, 0)
        assert.strictEqual(DateTime.formatIso(message.enqueuedTime), "2025-01-02T03:04:05.000Z")
      }
      assert.strictEqual(new Set(received.map((message) => message.messageId)).size, 3)
      assert.strictEqual(yield* (yield* InMemoryBus).active, 0)
    }).pipe(Effect.provide(InMemoryBus.layer())),
  )

  it.effect.each(["text", "object"] as const)("hands bodies over as %s when asked to", (bodyForm) =>
    Effect.gen(function* () {
      yield* (yield* EventPublisher).publish(created)
      const [message] = yield* completeAll(1)
      const expected = encodeAgentEvent(created)
      if (bodyForm === "text") assert.strictEqual(message?.body, JSON.stringify(expected))
      else assert.deepStrictEqual(message?.body, expected)
    }).pipe(Effect.provide(InMemoryBus.layer({ bodyForm }))),
  )

  it.effect("names messages with the given message id function", () =>
    Effect.gen(function* () {
      yield* (yield* EventPublisher).publishAll(events)
      const received = yield* completeAll(3)
      assert.deepStrictEqual(
        received.map((message) => message.messageId),
        ["m-1", "m-2", "m-3"],
      )
    }).pipe(Effect.provide(InMemoryBus.layer({ messageId: (_, sequenceNumber) => `m-${sequenceNumber}` }))),
  )

  it.effect("redelivers an abandoned message with delivery count + 1, before later messages", () =>
    Effect.gen(function* () {
      yield* (yield* EventPublisher).publishAll(events)
      const [first] = yield* receive(1, (message) => Effect.as(message.abandon, message))
      const again = yield* completeAll(3)

      assert.strictEqual(again[0]?.messageId, first?.messageId)
      assert.strictEqual(again[0]?.sequenceNumber, 1n)
      assert.strictEqual(again[0]?.deliveryCount, 1)
      assert.deepStrictEqual(
        again.map((message) => message.deliveryCount),
        [1, 0, 0],
      )
    }).pipe(Effect.provide(InMemoryBus.layer())),
  )

  it.effect("keeps completed messages out of every later delivery", () =>
    Effect.gen(function* () {
      const bus = yield* InMemoryBus
      yield* (yield* EventPublisher).publish(created)
      const [done] = yield* completeAll(1)
      yield* bus.send("sentinel")
      const [next] = yield* completeAll(1)

      assert.strictEqual(next?.body, "sentinel")
      assert.deepStrictEqual(
        (yield* bus.completed).map((message) => message.messageId),
        [done?.messageId, next?.messageId],
      )
      assert.strictEqual(yield* bus.active, 0)
    }).pipe(Effect.provide(InMemoryBus.layer())),
  )

  it.effect("keeps a dead-lettered message's reason, description and delivery count in the dead-letter queue", () =>
    Effect.gen(function* () {
      const bus = yield* InMemoryBus
      const sent = yield* bus.send("{not json", { messageId: "broken-1" })
      yield* receive(1, (message) => message.deadLetter("InvalidJson", "Message body is not valid JSON"))

      const deadLetters = yield* bus.deadLetters
      assert.strictEqual(deadLetters.length, 1)
      assert.deepInclude(deadLetters[0], {
        messageId: "broken-1",
        body: "{not json",
        sequenceNumber: sent.sequenceNumber,
        reason: "InvalidJson",
        description: "Message body is not valid JSON",
        deliveryCount: 1,
      })
      assert.strictEqual(yield* bus.active, 0)
      assert.deepStrictEqual(yield* bus.completed, [])
    }).pipe(Effect.provide(InMemoryBus.layer())),
  )

  it.effect("refuses a second settlement of a delivery with AlreadySettled", () =>
    Effect.gen(function* () {
      yield* (yield* EventPublisher).publishAll(events)
      const errors = yield* receive(3, (message) => {
        const [first, second] =
          message.sequenceNumber === 1n
            ? [message.complete, message.complete]
            : message.sequenceNumber === 2n
              ? [message.deadLetter("Poison", "test"), message.abandon]
              : [message.abandon, message.deadLetter("Poison", "test")]
        return Effect.andThen(first, settlementFailure(second))
      })

      for (const [i, error] of errors.entries()) {
        assert.strictEqual(error._tag, "SettlementError")
        assert.strictEqual(error.reason, "AlreadySettled")
        assert.strictEqual(error.messageId, (yield* (yield* InMemoryBus).published)[i]?.messageId)
        expect(error.message).toContain("already completed, abandoned or dead-lettered")
      }
    }).pipe(Effect.provide(InMemoryBus.layer())),
  )

  it.effect("dead-letters a message released maxDeliveryCount times with MaxDeliveryCountExceeded", () =>
    Effect.gen(function* () {
      const bus = yield* InMemoryBus
      yield* (yield* EventPublisher).publish(created)
      const counts = yield* receive(3, (message) => Effect.as(message.abandon, message.deliveryCount))
      assert.deepStrictEqual(counts, [0, 1, 2])

      const [deadLetter] = yield* bus.deadLetters
      assert.strictEqual(deadLetter?.reason, MAX_DELIVERY_COUNT_EXCEEDED)
      assert.strictEqual(deadLetter?.description, "Message could not be consumed after 3 delivery attempts.")
      assert.strictEqual(deadLetter?.deliveryCount, 3)
      assert.strictEqual(yield* bus.active, 0)
    }).pipe(Effect.provide(InMemoryBus.layer({ maxDeliveryCount: 3 }))),
  )

  it.effect("fails late settlements with LockLost after the locks expire, and redelivers the message", () =>
    Effect.gen(function* () {
      const bus = yield* InMemoryBus
      yield* (yield* EventPublisher).publish(created)
      const subscription = yield* EventSubscription
      const result = yield* subscription.messages.pipe(
        Stream.take(2),
        Stream.mapEffect(
          (message): Effect.Effect<ReceivedMessage | SettlementError, SettlementError> =>
            message.deliveryCount === 0
              ? Effect.gen(function* () {
                  assert.strictEqual(yield* bus.expireLocks, 1)
                  return yield* settlementFailure(message.complete)
                })
              : Effect.as(message.complete, message),
        ),
        Stream.runCollect,
      )
      const [lost, redelivered] = result
      assert.strictEqual((lost as SettlementError).reason, "LockLost")
      assert.strictEqual((redelivered as ReceivedMessage).deliveryCount, 1)
      assert.strictEqual(yield* bus.active, 0)
    }).pipe(Effect.provide(InMemoryBus.layer())),
  )

  it.effect("releases the deliveries a receiver emitted but did not settle when its run ends", () =>
    Effect.gen(function* () {
      const bus = yield* InMemoryBus
      yield* (yield* EventPublisher).publish(created)
      const [unsettled] = yield* receive(1, Effect.succeed)
      assert.strictEqual(yield* bus.locked, 0)

      const lateSettle = yield* settlementFailure((unsettled as ReceivedMessage).complete)
      assert.strictEqual(lateSettle.reason, "LockLost")
      const [again] = yield* completeAll(1)
      assert.strictEqual(again?.messageId, unsettled?.messageId)
      assert.strictEqual(again?.deliveryCount, 1)
    }).pipe(Effect.provide(InMemoryBus.layer())),
  )

  it.effect("with closeGrace, a run that ends lets its held deliveries be settled before releasing them", () => {
    /** Takes one message in a run of its own that ends right after, then goes on with `then`. */
    const takeOneThen = <A>(
      closeGrace: Duration.Input,
      then: (taken: {
        readonly bus: InMemoryBus["Service"]
        readonly run: Fiber.Fiber<void, SubscriptionError>
        readonly message: ReceivedMessage
      }) => Effect.Effect<A, SettlementError | SubscriptionError>,
    ) =>
      Effect.gen(function* () {
        const bus = yield* InMemoryBus
        yield* (yield* EventPublisher).publish(created)
        const taken = yield* Deferred.make<ReceivedMessage>()
        const run = yield* (yield* EventSubscription).messages.pipe(
          Stream.take(1),
          Stream.tap((message) => Deferred.succeed(taken, message)),
          Stream.runDrain,
          Effect.forkChild,
        )
        return yield* then({ bus, run, message: yield* Deferred.await(taken) })
      }).pipe(Effect.provide(InMemoryBus.layer({ closeGrace })))
    return Effect.gen(function* () {
      // The grace runs on the test clock, which never moves here: the run waits for the settlement.
      const withGrace = yield* takeOneThen("1 hour", ({ bus, run, message }) =>
        Effect.gen(function* () {
          yield* bus.awaitClosingRun
          assert.strictEqual(yield* bus.locked, 1)
          yield* message.complete
          yield* Fiber.join(run)
          return yield* bus.completed
        }),
      )
      assert.deepStrictEqual(
        withGrace.map((message) => message.body),
        [toMessageBody(encodeAgentEvent(created), "bytes")],
      )
      // Without one, the run releases the delivery as it ends.
      const withoutGrace = yield* takeOneThen(0, ({ bus, run, message }) =>
        Effect.gen(function* () {
          yield* Fiber.join(run)
          assert.strictEqual(yield* bus.locked, 0)
          const late = yield* settlementFailure(message.complete)
          assert.strictEqual(late.reason, "LockLost")
          return yield* bus.completed
        }),
      )
      assert.deepStrictEqual(withoutGrace, [])
    })
  })

  it.effect("delivers to a receiver that was already waiting when the message arrived", () =>
    Effect.gen(function* () {
      const bus = yield* InMemoryBus
      const waiting = yield* Effect.forkChild(completeAll(1))
      yield* bus.awaitWaitingReceiver
      yield* bus.send({ event_type: "quota_warning" })
      const [message] = yield* Fiber.join(waiting)
      assert.deepStrictEqual(message?.body, { event_type: "quota_warning" })
    }).pipe(Effect.provide(InMemoryBus.layer())),
  )

  it.effect("shares messages between competing receivers, each delivered once", () =>
    Effect.gen(function* () {
      const bus = yield* InMemoryBus
      const received = yield* Effect.all([completeAll(5), completeAll(5)], { concurrency: 2 }).pipe(
        Effect.forkChild,
        Effect.tap(() =>
          Effect.forEach(
            Array.from({ length: 10 }, (_, i) => i),
            (i) => bus.send({ n: i }),
            { discard: true },
          ),
        ),
        Effect.flatMap(Fiber.join),
      )
      // Each receiver took its five; together they saw every message once.
      assert.deepStrictEqual(
        received.map((messages) => messages.length),
        [5, 5],
      )
      const bodies = received.flat().map((message) => (message.body as { readonly n: number }).n)
      assert.deepStrictEqual(
        bodies.sort((a, b) => a - b),
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      )
      assert.deepStrictEqual(
        (yield* bus.completed).map((message) => message.messageId).sort(),
        received
          .flat()
          .map((message) => message.messageId)
          .sort(),
      )
    }).pipe(Effect.provide(InMemoryBus.layer())),
  )

  it.effect("fails the arranged publishes with the given reason and publishes nothing for them", () =>
    Effect.gen(function* () {
      const bus = yield* InMemoryBus
      const publisher = yield* EventPublisher
      yield* bus.failNextPublishes(2, "Timeout")

      const first = yield* Effect.flip(publisher.publishAll(events))
      const second = yield* Effect.flip(publisher.publish(created))
      yield* publisher.publish(created)

      assert.strictEqual(first._tag, "PublishError")
      assert.strictEqual(first.reason, "Timeout")
      assert.isTrue(first.retryable)
      assert.strictEqual(second.reason, "Timeout")
      assert.strictEqual((yield* bus.published).length, 1)
    }).pipe(Effect.provide(InMemoryBus.layer())),
  )

  it.effect("ends running receivers with the arranged subscription error until it is restored", () =>
    Effect.gen(function* () {
      const bus = yield* InMemoryBus
      const waiting = yield* Effect.forkChild(completeAll(1))
      yield* bus.awaitWaitingReceiver
      yield* bus.failSubscription("Disconnected")
      const ended = yield* Effect.flip(Fiber.join(waiting))
      assert.strictEqual(ended.reason, "Disconnected")
      const error = yield* Effect.flip(completeAll(1))
      assert.strictEqual(error.reason, "Disconnected")

      yield* bus.restoreSubscription
      yield* bus.send("after")
      const [message] = yield* completeAll(1)
      assert.strictEqual(message?.body, "after")
    }).pipe(Effect.provide(InMemoryBus.layer())),
  )

  it.effect("awaitSettled waits until every message is completed or dead-lettered", () =>
    Effect.gen(function* () {
      const bus = yield* InMemoryBus
      yield* (yield* EventPublisher).publishAll(events)
      const settled = yield* Effect.forkChild(bus.awaitSettled)
      yield* receive(2, (message) => message.complete)
      yield* Effect.yieldNow
      assert.isUndefined(settled.pollUnsafe())
      yield* receive(1, (message) => message.deadLetter("Poison", "test"))
      yield* Fiber.join(settled)
      assert.strictEqual(yield* bus.active, 0)
    }).pipe(Effect.provide(InMemoryBus.layer())),
  )
})
