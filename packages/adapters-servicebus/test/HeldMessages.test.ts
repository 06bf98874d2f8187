import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Option } from "effect"
import { TestClock } from "effect/testing"
import { type Held, HeldMessages } from "../src/HeldMessages.ts"

/** A held message that records what happened to it. */
const heldUntil = (giveUpAt: number) => {
  const events: Array<string> = []
  const held: Held = {
    giveUpAt,
    releaseSlot: () => events.push("slot released"),
    abandonQuietly: () => events.push("abandoned"),
  }
  return { held, events }
}

describe("HeldMessages", () => {
  it.effect("frees the slots of messages whose lock is gone as the sweep finds them, each once, on the clock", () =>
    Effect.gen(function* () {
      const messages = new HeldMessages()
      const early = heldUntil(1_500)
      const late = heldUntil(3_500)
      messages.add(early.held)
      messages.add(late.held)
      const sweep = yield* Effect.forkChild(messages.sweep("1 second"))
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual([early.events, late.events, messages.size], [[], [], 2])
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual([early.events, late.events, messages.size], [["slot released"], [], 1])
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual([early.events, late.events, messages.size], [["slot released"], ["slot released"], 0])
      messages.release(early.held)
      assert.deepStrictEqual(early.events, ["slot released"])
      yield* Fiber.interrupt(sweep)
    }),
  )

  it.effect("asks every message still held whether its lock is due for renewal, on each sweep, by the clock", () =>
    Effect.gen(function* () {
      const messages = new HeldMessages()
      const asked: Array<[string, number]> = []
      const renewable = (name: string, giveUpAt: number): Held => ({
        giveUpAt,
        releaseSlot: () => asked.push([`${name} released`, 0]),
        abandonQuietly: () => {},
        renewIfDue: (now) => asked.push([name, now]),
      })
      messages.add(renewable("short", 1_500))
      messages.add(renewable("long", 10_000))
      const sweep = yield* Effect.forkChild(messages.sweep("1 second"))
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(asked, [
        ["short", 1_000],
        ["long", 1_000],
        ["short released", 0],
        ["long", 2_000],
      ])
      yield* Fiber.interrupt(sweep)
    }),
  )

  it.effect("is idle once the last message is released, and a close waits for that at most its grace", () =>
    Effect.gen(function* () {
      const messages = new HeldMessages()
      const first = heldUntil(Number.POSITIVE_INFINITY)
      const second = heldUntil(Number.POSITIVE_INFINITY)
      messages.add(first.held)
      messages.add(second.held)
      const waiting = yield* Effect.forkChild(Effect.timeoutOption(messages.idle, "30 seconds"))
      messages.release(first.held)
      yield* Effect.yieldNow
      assert.isUndefined(waiting.pollUnsafe())
      messages.release(second.held)
      assert.isTrue(Option.isSome(yield* Fiber.join(waiting)))

      const stuck = heldUntil(Number.POSITIVE_INFINITY)
      messages.add(stuck.held)
      const closing = yield* Effect.forkChild(Effect.timeoutOption(messages.idle, "30 seconds"))
      yield* TestClock.adjust("30 seconds")
      assert.isTrue(Option.isNone(yield* Fiber.join(closing)))
      messages.abandonAll()
      assert.deepStrictEqual(stuck.events, ["abandoned"])
    }),
  )
})
