import type { SinkRecord, SinkWriteError } from "@haymaker/domain"
import { Clock, Effect } from "effect"
import { countSinkRetry, recordSinkLatency } from "../metrics/WorkerMetrics.ts"

export interface SinkRetryPolicy {
  /** Time allowed for retries of one batch; keep it well inside the lock duration (locks are renewed meanwhile). */
  readonly budgetMs: number
  readonly initialDelayMs: number
  readonly maxDelayMs: number
}

/** A record that did not land in a sink, and whether a later delivery may succeed. */
export interface SinkFailure {
  readonly sink: string
  readonly transient: boolean
  readonly message: string
}

/**
 * Writes records to one sink. On a transient failure it retries, with exponential backoff, only the records the
 * sink named as failed, until they land or the budget is spent. Never fails: what did not land comes back by
 * record key so the caller settles each message on its own evidence.
 */
export const writeWithRetry = Effect.fnUntraced(function* (
  sink: string,
  write: (records: ReadonlyArray<SinkRecord>) => Effect.Effect<void, SinkWriteError>,
  records: ReadonlyArray<SinkRecord>,
  policy: SinkRetryPolicy,
) {
  const failures = new Map<string, SinkFailure>()
  if (records.length === 0) return failures
  const startedAt = yield* Clock.currentTimeMillis
  let pending = records
  let delayMs = policy.initialDelayMs
  while (true) {
    const outcome = yield* Effect.result(write(pending))
    if (outcome._tag === "Success") break
    const error = outcome.failure
    const named = new Set(error.failedKeys)
    // An error that names no record is about the whole call.
    const failed = named.size === 0 ? pending : pending.filter((record) => named.has(record.key))
    const elapsed = (yield* Clock.currentTimeMillis) - startedAt
    if (!error.transient || failed.length === 0 || elapsed + delayMs > policy.budgetMs) {
      for (const record of failed) {
        failures.set(record.key, { sink, transient: error.transient, message: error.message })
      }
      yield* Effect.logWarning(`${sink} sink: ${failed.length} record(s) did not land: ${error.message}`).pipe(
        Effect.annotateLogs({ sink, transient: error.transient, sequenceNumbers: failed.map((r) => r.key) }),
      )
      break
    }
    yield* countSinkRetry(sink)
    yield* Effect.logDebug(`${sink} sink: retrying ${failed.length} record(s) in ${delayMs} ms: ${error.message}`)
    yield* Effect.sleep(delayMs)
    delayMs = Math.min(delayMs * 2, policy.maxDelayMs)
    pending = failed
  }
  yield* recordSinkLatency(sink, ((yield* Clock.currentTimeMillis) - startedAt) / 1000)
  return failures
})
