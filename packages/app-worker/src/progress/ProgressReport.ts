import { Clock, Effect, Metric, Schedule } from "effect"
import type { HeldMessages } from "./HeldMessages.ts"

/** The worker's counters since it started, read from its metrics (the ones `/metrics` shows). */
export interface ProgressCounts {
  readonly received: number
  readonly completed: number
  readonly abandoned: number
  readonly deadLettered: Readonly<Record<string, number>>
}

const counterIds = {
  haymaker_messages_received_total: "received",
  haymaker_messages_completed_total: "completed",
  haymaker_messages_abandoned_total: "abandoned",
} as const

export const readProgressCounts: Effect.Effect<ProgressCounts> = Effect.map(Metric.snapshot, (snapshots) => {
  const counts = { received: 0, completed: 0, abandoned: 0, deadLettered: {} as Record<string, number> }
  for (const snapshot of snapshots) {
    if (snapshot.type !== "Counter") continue
    const value = Number(snapshot.state.count)
    if (snapshot.id === "haymaker_messages_dead_lettered_total") {
      const reason = snapshot.attributes?.reason ?? "unknown"
      counts.deadLettered[reason] = (counts.deadLettered[reason] ?? 0) + value
    } else if (snapshot.id in counterIds) {
      counts[counterIds[snapshot.id as keyof typeof counterIds]] += value
    }
  }
  return counts
})

const total = (byReason: Readonly<Record<string, number>>) => Object.values(byReason).reduce((a, b) => a + b, 0)
const count = (n: number) => n.toLocaleString("en-US")

export interface ProgressLine {
  readonly text: string
  /** The same figures for JSON logs. */
  readonly annotations: Readonly<Record<string, unknown>>
}

/**
 * One line: totals since start, settlements per second over the interval, and what is held now (how many, and for
 * how long the oldest of them).
 */
export const progressLine = (
  previous: ProgressCounts,
  current: ProgressCounts,
  intervalMs: number,
  held: number,
  oldestHeldMs: number | undefined,
): ProgressLine => {
  const deadLettered = total(current.deadLettered)
  const settled = current.completed + deadLettered - (previous.completed + total(previous.deadLettered))
  const rate = intervalMs > 0 ? settled / (intervalMs / 1000) : 0
  const reasons = Object.entries(current.deadLettered)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
  const seconds = `${(intervalMs / 1000).toLocaleString("en-US")} s`
  const text = [
    `progress: ${count(current.received)} received, ${count(current.completed)} completed, ${count(deadLettered)} dead-lettered`,
    reasons.length === 0 ? "" : ` (${reasons.map(([reason, n]) => `${reason} ${count(n)}`).join(", ")})`,
    `, ${count(current.abandoned)} abandoned; ${rate.toFixed(1)} msg/s over the last ${seconds}`,
    held === 0
      ? "; holding none"
      : `; holding ${count(held)}, the oldest for ${((oldestHeldMs ?? 0) / 1000).toFixed(1)} s`,
  ].join("")
  return {
    text,
    annotations: {
      received: current.received,
      completed: current.completed,
      deadLettered: Object.fromEntries(reasons),
      abandoned: current.abandoned,
      settledPerSecond: Number(rate.toFixed(1)),
      held,
      oldestHeldMs: oldestHeldMs ?? 0,
    },
  }
}

const same = (a: ProgressCounts, b: ProgressCounts) =>
  a.received === b.received &&
  a.completed === b.completed &&
  a.abandoned === b.abandoned &&
  total(a.deadLettered) === total(b.deadLettered)

/**
 * Logs the progress line at info level every `interval`, on the Clock (so `TestClock` drives it). A worker with
 * nothing to do says so once, then stays quiet until messages come again.
 */
export const reportProgress = Effect.fn("Worker.reportProgress")(function* (intervalMs: number, held: HeldMessages) {
  let previous = yield* readProgressCounts
  let quiet = false
  const tick = Effect.gen(function* () {
    const current = yield* readProgressCounts
    const now = yield* Clock.currentTimeMillis
    const oldest = held.oldest()
    const idle = same(previous, current) && held.size === 0
    if (!(idle && quiet)) {
      const line = progressLine(
        previous,
        current,
        intervalMs,
        held.size,
        oldest === undefined ? undefined : now - oldest,
      )
      yield* Effect.logInfo(idle ? `${line.text} (idle)` : line.text).pipe(Effect.annotateLogs(line.annotations))
    }
    quiet = idle
    previous = current
  })
  return yield* tick.pipe(Effect.repeat(Schedule.spaced(intervalMs)), Effect.delay(intervalMs))
})
