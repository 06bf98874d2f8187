import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Schedule } from "effect"
import { TestClock } from "effect/testing"
import { recoverySchedule } from "../src/pipeline/Worker.ts"

describe("recoverySchedule (on the TestClock)", () => {
  it.effect("waits from the first delay, doubling, capped at the longest, for as long as it takes", () =>
    Effect.gen(function* () {
      const wait = yield* Schedule.toStepWithSleep(
        recoverySchedule({ initialDelay: "1 second", maxDelay: "5 seconds" }),
      )
      const tries: Array<number> = []
      const trying = yield* Effect.forkChild(
        Effect.forever(
          Effect.gen(function* () {
            tries.push(yield* Clock.currentTimeMillis)
            yield* wait(undefined)
          }),
        ),
      )
      yield* TestClock.adjust("30 seconds")
      yield* Fiber.interrupt(trying)
      assert.deepStrictEqual(tries, [0, 1_000, 3_000, 7_000, 12_000, 17_000, 22_000, 27_000])
    }),
  )
})
