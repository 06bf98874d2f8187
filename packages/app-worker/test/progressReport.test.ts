import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Logger, Metric, References } from "effect"
import { TestClock } from "effect/testing"
import {
  countDeadLettered,
  increment,
  messagesAbandoned,
  messagesCompleted,
  messagesReceived,
} from "../src/metrics/WorkerMetrics.ts"
import { HeldMessages } from "../src/progress/HeldMessages.ts"
import { reportProgress } from "../src/progress/ProgressReport.ts"

/** Info lines with their annotations, as the JSON logger would write them. */
const captured = () => {
  const lines: Array<{ message: string; annotations: Record<string, unknown> }> = []
  const logger = Logger.make((options) => {
    if (options.logLevel !== "Info") return
    lines.push({
      message: String(Array.isArray(options.message) ? options.message[0] : options.message),
      annotations: { ...options.fiber.getRef(References.CurrentLogAnnotations) },
    })
  })
  return { lines, layer: Logger.layer([logger]) }
}

type Line = ReturnType<typeof captured>["lines"][number]

/**
 * Runs `test` alongside a progress reporter every `interval` ms, on the test's clock, with a metric registry of its
 * own; `test` gets the held messages the reporter reads and the lines it logged so far.
 */
const withReporter = <E>(
  interval: number,
  test: (held: HeldMessages, lines: ReadonlyArray<Line>) => Effect.Effect<void, E>,
) => {
  const { lines, layer } = captured()
  return Effect.gen(function* () {
    const held = new HeldMessages()
    const reporter = yield* Effect.forkChild(reportProgress(interval, held))
    yield* Effect.yieldNow
    yield* test(held, lines)
    yield* Fiber.interrupt(reporter)
  }).pipe(Effect.provide(layer), Effect.provideService(Metric.MetricRegistry, new Map()))
}

describe("progress line", () => {
  it.effect("every interval on the Clock: totals, dead letters by reason, the rate, and the oldest held message", () =>
    withReporter(10_000, (held, lines) =>
      Effect.gen(function* () {
        const a = {}
        held.add([a, {}], 2_000)
        yield* increment(messagesReceived, 120)
        yield* increment(messagesCompleted, 100)
        yield* countDeadLettered("SinkRejected", 2)
        yield* countDeadLettered("InvalidJson", 3)
        yield* increment(messagesAbandoned, 5)
        yield* TestClock.adjust("9 seconds")
        assert.strictEqual(lines.length, 0)
        yield* TestClock.adjust("1 second")
        assert.deepStrictEqual(
          lines.map((line) => line.message),
          [
            "progress: 120 received, 100 completed, 5 dead-lettered (InvalidJson 3, SinkRejected 2), 5 abandoned; 10.5 msg/s over the last 10 s; holding 2, the oldest for 8.0 s",
          ],
        )
        assert.deepStrictEqual(lines[0]?.annotations, {
          received: 120,
          completed: 100,
          deadLettered: { InvalidJson: 3, SinkRejected: 2 },
          abandoned: 5,
          settledPerSecond: 10.5,
          held: 2,
          oldestHeldMs: 8_000,
        })

        // The oldest is settled: the next one is the age of the other.
        held.remove([a])
        held.add([{}], 15_000)
        yield* increment(messagesCompleted, 20)
        yield* TestClock.adjust("10 seconds")
        assert.strictEqual(
          lines[1]?.message,
          "progress: 120 received, 120 completed, 5 dead-lettered (InvalidJson 3, SinkRejected 2), 5 abandoned; 2.0 msg/s over the last 10 s; holding 2, the oldest for 18.0 s",
        )
      }),
    ),
  )

  it.effect("an idle worker says so once, then stays quiet until messages come again", () =>
    withReporter(1_000, (held, lines) =>
      Effect.gen(function* () {
        yield* increment(messagesReceived, 3)
        yield* increment(messagesCompleted, 3)
        yield* TestClock.adjust("1 second")
        yield* TestClock.adjust("1 second")
        yield* TestClock.adjust("5 seconds")
        assert.deepStrictEqual(
          lines.map((line) => line.message),
          [
            "progress: 3 received, 3 completed, 0 dead-lettered, 0 abandoned; 3.0 msg/s over the last 1 s; holding none",
            "progress: 3 received, 3 completed, 0 dead-lettered, 0 abandoned; 0.0 msg/s over the last 1 s; holding none (idle)",
          ],
        )
        yield* increment(messagesReceived, 1)
        held.add([{}], 7_000)
        yield* TestClock.adjust("1 second")
        assert.strictEqual(
          lines[2]?.message,
          "progress: 4 received, 3 completed, 0 dead-lettered, 0 abandoned; 0.0 msg/s over the last 1 s; holding 1, the oldest for 1.0 s",
        )
      }),
    ),
  )
})
