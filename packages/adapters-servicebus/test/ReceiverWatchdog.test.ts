import type { ServiceBusReceivedMessage } from "@azure/service-bus"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { isStuck, watchReceiver } from "../src/ReceiverWatchdog.ts"

const settings = { idle: "1 second", checkInterval: "100 millis" } as const
const now = 100_000
// The watchdog reads only these fields of a peeked message.
const waiting = (overrides: Partial<ServiceBusReceivedMessage> = {}) =>
  ({ body: null, state: "active", enqueuedTimeUtc: new Date(now - 5_000), ...overrides }) as ServiceBusReceivedMessage

describe("isStuck", () => {
  it("flags a receiver idle past the window while an old unlocked message waits", () => {
    assert.isTrue(isStuck(now, { lastActivityAt: now - 2_000, inFlight: 0 }, [waiting()], settings))
  })

  it("does not flag a busy, recently active, or empty receiver", () => {
    assert.isFalse(isStuck(now, { lastActivityAt: now - 2_000, inFlight: 1 }, [waiting()], settings))
    assert.isFalse(isStuck(now, { lastActivityAt: now - 500, inFlight: 0 }, [waiting()], settings))
    assert.isFalse(isStuck(now, { lastActivityAt: now - 2_000, inFlight: 0 }, [], settings))
  })

  it("ignores messages locked by someone else, deferred ones, and ones newer than the last activity", () => {
    const activity = { lastActivityAt: now - 2_000, inFlight: 0 }
    assert.isFalse(isStuck(now, activity, [waiting({ lockedUntilUtc: new Date(now + 10_000) })], settings))
    assert.isFalse(isStuck(now, activity, [waiting({ state: "deferred" })], settings))
    assert.isFalse(isStuck(now, activity, [waiting({ enqueuedTimeUtc: new Date(now - 1_000) })], settings))
  })
})

describe("watchReceiver", () => {
  /** A receiver that delivered nothing since `now - 5 s` while an old message waits; counts its restarts. */
  const stuckReceiver = (peeked: ReadonlyArray<ServiceBusReceivedMessage>) => {
    const state = { lastActivityAt: now - 5_000, restarts: 0, peeks: 0 }
    const watched = {
      entityPath: "topic/Subscriptions/sub",
      activity: Effect.sync(() => ({ lastActivityAt: state.lastActivityAt, inFlight: 0 })),
      peek: Effect.sync(() => {
        state.peeks++
        return peeked
      }),
      restart: Effect.sync(() => {
        state.restarts++
        state.lastActivityAt = now + 1_000_000
      }),
    }
    return { state, watched }
  }

  it.effect("checks every interval on the clock, and restarts a stuck receiver once", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(now)
      const { state, watched } = stuckReceiver([waiting()])
      const fiber = yield* Effect.forkChild(watchReceiver(settings, watched))
      yield* TestClock.adjust("99 millis")
      assert.deepStrictEqual(state, { lastActivityAt: now - 5_000, restarts: 0, peeks: 0 })
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(state.peeks, 1)
      assert.strictEqual(state.restarts, 1)
      // Restarted, the receiver counts as active: later checks leave it alone.
      yield* TestClock.adjust("1 second")
      assert.strictEqual(state.peeks, 11)
      assert.strictEqual(state.restarts, 1)
      yield* Fiber.interrupt(fiber)
    }),
  )

  it.effect("leaves a receiver alone while the peek shows no waiting message", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(now)
      const { state, watched } = stuckReceiver([])
      const fiber = yield* Effect.forkChild(watchReceiver(settings, watched))
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(state.peeks, 100)
      assert.strictEqual(state.restarts, 0)
      yield* Fiber.interrupt(fiber)
    }),
  )
})
