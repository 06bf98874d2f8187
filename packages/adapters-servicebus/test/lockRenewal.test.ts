import { assert, describe, it } from "@effect/vitest"
import { EventSubscription, type ReceivedMessage } from "@haymaker/domain"
import { Deferred, Effect, Exit, Fiber, Layer, Stream } from "effect"
import { TestClock } from "effect/testing"
import { drainLeft, Emulator, publishWire, subscriptionOn } from "./support/Emulator.ts"
import { resourceCreated } from "./support/testBus.ts"

// The subscription's lock lasts 2 s (1 s for the last test); the slow handler takes 5 s.
const slowHandler = "5 seconds"

/** One topic holding one published message, and the subscription adapter on it. */
const oneMessage = (topicName: string, lockDuration: string, options: Parameters<typeof subscriptionOn>[1]) =>
  Layer.provideMerge(
    subscriptionOn(topicName, { closeGrace: "1 second", ...options }),
    Layer.effectDiscard(publishWire(topicName, [resourceCreated("slow")])).pipe(
      Layer.provideMerge(
        Emulator.layer([{ name: topicName, subscriptions: [{ name: "orchestrator-sub", lockDuration }] }]),
      ),
    ),
  )

describe("lock renewal", () => {
  it.live(
    "keeps a slow handler's message locked, so completing it succeeds and it is not redelivered",
    () =>
      Effect.gen(function* () {
        const { messages } = yield* EventSubscription
        const handled = yield* messages.pipe(
          Stream.mapEffect((message) =>
            Effect.sleep(slowHandler).pipe(
              Effect.andThen(Effect.exit(message.complete)),
              Effect.map((settled) => [message.deliveryCount, Exit.isSuccess(settled)] as const),
            ),
          ),
          Stream.take(1),
          Stream.runCollect,
        )
        assert.deepStrictEqual(handled, [[0, true]])
        assert.deepStrictEqual(yield* drainLeft("renewed", 1, { maxWaitMs: 500 }), [])
      }).pipe(Effect.provide(oneMessage("renewed", "PT2S", { concurrency: 2, maxAutoLockRenewal: "1 minute" }))),
    20_000,
  )

  it.live(
    "without renewal, a handler slower than the lock sees the message delivered again and loses the lock",
    () =>
      Effect.gen(function* () {
        const seen: Array<ReceivedMessage> = []
        const { messages } = yield* EventSubscription
        // The first delivery is held past its lock; the redelivery arrives meanwhile and is completed at once.
        const outcomes = yield* messages.pipe(
          Stream.mapEffect(
            (message) =>
              Effect.gen(function* () {
                seen.push(message)
                if (seen.length === 1) yield* Effect.sleep(slowHandler)
                return yield* Effect.exit(message.complete)
              }),
            { concurrency: 2 },
          ),
          Stream.take(2),
          Stream.runCollect,
        )
        const [first, redelivery] = seen
        assert.strictEqual(redelivery?.messageId, first?.messageId)
        assert.deepStrictEqual([first?.deliveryCount, redelivery?.deliveryCount], [0, 1])
        const [late, redelivered] = outcomes
        assert.isTrue(redelivered !== undefined && Exit.isSuccess(redelivered))
        assert.isTrue(late !== undefined && Exit.isFailure(late))
        assert.include(JSON.stringify(late), "LockLost")
      }).pipe(Effect.provide(oneMessage("not-renewed", "PT2S", { concurrency: 2, maxAutoLockRenewal: 0 }))),
    20_000,
  )

  it.effect(
    "frees the slot of a message nobody settles once the clock says its lock is certainly gone",
    () =>
      Effect.gen(function* () {
        // The adapter gives up on a message by the Clock, against the lock time the broker sets: start the test clock
        // at the wall clock's time.
        yield* TestClock.setTime(Date.now())
        const { messages } = yield* EventSubscription
        const dropped = yield* Deferred.make<void>()
        const deliveryCounts: Array<number> = []
        // One slot, no renewal, a 1 s lock: the consumer drops the first delivery on the floor. The broker can deliver
        // again only once the adapter stops holding that message, which the test clock decides.
        const consuming = yield* messages.pipe(
          Stream.mapEffect((message) => {
            deliveryCounts.push(message.deliveryCount)
            return deliveryCounts.length === 1 ? Deferred.succeed(dropped, undefined) : message.complete
          }),
          Stream.take(2),
          Stream.runDrain,
          Effect.forkChild,
        )
        yield* Deferred.await(dropped)
        // Lock (1 s), renewal over (none), one more lock duration and a second for drift: well within 10 s.
        yield* TestClock.adjust("10 seconds")
        yield* Fiber.join(consuming)
        assert.deepStrictEqual(deliveryCounts, [0, 1])
        assert.deepStrictEqual(yield* drainLeft("abandoned-by-consumer", 1, { maxWaitMs: 500 }), [])
      }).pipe(Effect.provide(oneMessage("abandoned-by-consumer", "PT1S", { concurrency: 1, maxAutoLockRenewal: 0 }))),
    20_000,
  )
})
