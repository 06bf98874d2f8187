import { type SinkFailureKind, type SinkRecord, SinkWriteError } from "@haymaker/domain"
import { Clock, Duration, Effect, Ref, Schedule } from "effect"
import { countSinkRetry, recordSinkLatency } from "../metrics/WorkerMetrics.ts"

export interface SinkRetryPolicy {
  /** Time allowed for one batch's writes and retries; keep it well inside the lock duration (locks are renewed meanwhile). */
  readonly budget: Duration.Input
  /** The first retry's delay; each further retry doubles it, up to `maxDelay`. */
  readonly initialDelay: Duration.Input
  readonly maxDelay: Duration.Input
  /** Bound on one write call (and one probe): a sink that does not answer (a frozen service) fails transiently. */
  readonly writeTimeout?: Duration.Input | undefined
}

/** How long one write call (and one probe) may take when the policy does not say. */
export const defaultWriteTimeout: Duration.Duration = Duration.seconds(30)

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
 * When a failed write is tried again: only while the failure is transient, after an exponential delay (from
 * `initialDelay`, doubling, capped at `maxDelay`), and only while the retry would start within the budget, which
 * counts from `startedAt` (the batch's first write, by the `Clock`).
 */
export const sinkRetrySchedule = (
  policy: SinkRetryPolicy,
  startedAt: number,
): Schedule.Schedule<Duration.Duration, SinkWriteError> => {
  const budgetMs = Duration.toMillis(policy.budget)
  return Schedule.min([Schedule.exponential(policy.initialDelay), Schedule.spaced(policy.maxDelay)]).pipe(
    Schedule.setInputType<SinkWriteError>(),
    Schedule.while(
      ({ input, now, duration }) =>
        input.kind === "Transient" && now - startedAt + Duration.toMillis(duration) <= budgetMs,
    ),
  )
}

/** The records of `pending` that `error` says failed; an error that names no record is about the whole call. */
const failedOf = (pending: ReadonlyArray<SinkRecord>, error: SinkWriteError): ReadonlyArray<SinkRecord> => {
  if (error.failedKeys.length === 0) return pending
  const named = new Set(error.failedKeys)
  return pending.filter((record) => named.has(record.key))
}

/**
 * Writes records to one sink and says, per record key, what did not land. Never fails.
 *
 * - A transient failure is retried on {@link sinkRetrySchedule}, for the records the sink named only.
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
  const timeout = policy.writeTimeout ?? defaultWriteTimeout
  const bounded = (pending: ReadonlyArray<SinkRecord>) =>
    write(pending).pipe(
      Effect.timeoutOrElse({
        duration: timeout,
        orElse: () =>
          Effect.fail(
            new SinkWriteError({
              sink,
              failedKeys: pending.map((record) => record.key),
              kind: "Transient",
              message: `${sink}: no answer within ${Duration.format(Duration.fromInputUnsafe(timeout))}`,
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
  const schedule = sinkRetrySchedule(policy, startedAt)

  // Groups still to write: the batch, then the halves of every group a sink refused as a whole.
  const groups: Array<ReadonlyArray<SinkRecord>> = [records]
  while (groups.length > 0) {
    // What of this group has not landed yet: each retry writes only that.
    const pending = yield* Ref.make(groups.pop() ?? [])
    const attempt = Effect.flatMap(Ref.get(pending), (group) =>
      Effect.catch(bounded(group), (error) => {
        const failed = failedOf(group, error)
        return failed.length === 0 ? Effect.void : Effect.andThen(Ref.set(pending, failed), Effect.fail(error))
      }),
    )
    const retried = schedule.pipe(
      Schedule.tap(({ input, duration }) =>
        Effect.flatMap(Ref.get(pending), (failed) =>
          countSinkRetry(sink, failed.length).pipe(
            Effect.andThen(
              Effect.logDebug(
                `${sink} sink: retrying ${failed.length} record(s) in ${Duration.format(duration)}: ${input.message}`,
              ),
            ),
          ),
        ),
      ),
    )
    const outcome = yield* Effect.result(Effect.retry(attempt, retried))
    if (outcome._tag === "Success") continue
    const error = outcome.failure
    const failed = yield* Ref.get(pending)
    if (error.kind === "Unavailable") {
      yield* fail([...failed, ...groups.flat()], error)
      groups.length = 0
    } else if (error.kind === "Rejected" && failed.length > 1) {
      const middle = Math.ceil(failed.length / 2)
      groups.push(failed.slice(middle), failed.slice(0, middle))
      yield* Effect.logDebug(`${sink} sink refused ${failed.length} records at once; writing them in halves`)
    } else {
      // One refused record, or a transient failure the budget does not allow to retry again.
      yield* fail(failed, error)
    }
  }
  yield* recordSinkLatency(sink, ((yield* Clock.currentTimeMillis) - startedAt) / 1000)
  return failures
})
