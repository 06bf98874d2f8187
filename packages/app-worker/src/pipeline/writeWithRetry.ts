import { type SinkFailureKind, type SinkRecord, SinkWriteError } from "@haymaker/domain"
import { Clock, Duration, Effect } from "effect"
import { countSinkRetry, recordSinkLatency } from "../metrics/WorkerMetrics.ts"

export interface SinkRetryPolicy {
  /** Time allowed for retries of one batch; keep it well inside the lock duration (locks are renewed meanwhile). */
  readonly budgetMs: number
  readonly initialDelayMs: number
  readonly maxDelayMs: number
  /** Bound on one write call (and one probe): a sink that does not answer (a frozen service) fails transiently. */
  readonly writeTimeoutMs?: number | undefined
}

/**
 * A record that did not land in a sink, and why: `Rejected` (the sink refused this record's data), `Transient` (the
 * retry budget ran out), `Unavailable` (the deployment is at fault: credentials, a missing table).
 */
export interface SinkFailure {
  readonly sink: string
  readonly kind: SinkFailureKind
  readonly message: string
}

/**
 * Writes records to one sink and says, per record key, what did not land. Never fails.
 *
 * - A transient failure is retried, with exponential backoff, for the records the sink named, within the budget.
 * - A refusal naming several records may be the service refusing a whole request for one of them (Log Analytics
 *   answers 400 for a call): the named records are written again in halves, recursively, until each refusal names
 *   one record. So a refused record is dead-lettered with the service's reason, and its neighbours land.
 * - `Unavailable` ends the write: every record not yet landed is reported so, without hammering the sink.
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
  const timeoutMs = policy.writeTimeoutMs ?? 30_000
  const bounded = (pending: ReadonlyArray<SinkRecord>) =>
    write(pending).pipe(
      Effect.timeoutOrElse({
        duration: Duration.millis(timeoutMs),
        orElse: () =>
          Effect.fail(
            new SinkWriteError({
              sink,
              failedKeys: pending.map((record) => record.key),
              kind: "Transient",
              message: `${sink}: no answer within ${timeoutMs} ms`,
            }),
          ),
      }),
    )
  const fail = (failed: ReadonlyArray<SinkRecord>, error: SinkWriteError) =>
    Effect.gen(function* () {
      for (const record of failed) failures.set(record.key, { sink, kind: error.kind, message: error.message })
      yield* Effect.logWarning(`${sink} sink: ${failed.length} record(s) did not land: ${error.message}`).pipe(
        Effect.annotateLogs({ sink, kind: error.kind, sequenceNumbers: failed.map((record) => record.key) }),
      )
    })
  // Groups still to write: the batch, then the halves of every group a sink refused as a whole.
  const groups: Array<ReadonlyArray<SinkRecord>> = [records]
  let delayMs = policy.initialDelayMs
  while (groups.length > 0) {
    let pending = groups.pop() ?? []
    while (true) {
      const outcome = yield* Effect.result(bounded(pending))
      if (outcome._tag === "Success") break
      const error = outcome.failure
      const named = new Set(error.failedKeys)
      // An error that names no record is about the whole call.
      const failed = named.size === 0 ? pending : pending.filter((record) => named.has(record.key))
      if (failed.length === 0) break
      if (error.kind === "Unavailable") {
        yield* fail([...failed, ...groups.flat()], error)
        groups.length = 0
        break
      }
      if (error.kind === "Rejected") {
        if (failed.length === 1) {
          yield* fail(failed, error)
        } else {
          const middle = Math.ceil(failed.length / 2)
          groups.push(failed.slice(middle), failed.slice(0, middle))
          yield* Effect.logDebug(`${sink} sink refused ${failed.length} records at once; writing them in halves`)
        }
        break
      }
      const elapsed = (yield* Clock.currentTimeMillis) - startedAt
      if (elapsed + delayMs > policy.budgetMs) {
        yield* fail(failed, error)
        break
      }
      yield* countSinkRetry(sink, failed.length)
      yield* Effect.logDebug(`${sink} sink: retrying ${failed.length} record(s) in ${delayMs} ms: ${error.message}`)
      yield* Effect.sleep(delayMs)
      delayMs = Math.min(delayMs * 2, policy.maxDelayMs)
      pending = failed
    }
  }
  yield* recordSinkLatency(sink, ((yield* Clock.currentTimeMillis) - startedAt) / 1000)
  return failures
})
