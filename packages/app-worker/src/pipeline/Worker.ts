import { EventSubscription } from "@haymaker/domain"
import { Deferred, Effect, Stream } from "effect"
import { type BatchOutcome, type BatchPolicy, processBatch } from "./processBatch.ts"

export interface WorkerOptions extends BatchPolicy {
  /** Messages per sink call at most. */
  readonly batchSize: number
  /** How long a partial batch waits for more messages before it is written. */
  readonly batchWaitMs: number
  /** Micro-batches processed at the same time. */
  readonly batchConcurrency: number
}

/** Totals since the worker started. */
export interface WorkerTotals {
  received: number
  completed: number
  abandoned: number
  deadLettered: number
  settlementFailures: number
}

/**
 * The orchestrator loop: subscription → micro-batches → sinks → settlement. It ends when `stop` completes: no
 * new message is taken after that, and batches in flight are written and settled before the returned effect
 * completes. Batches are uninterruptible so an interruption (a signal) also lets them settle first.
 */
export const runWorker = Effect.fn("Worker.run")(function* (
  options: WorkerOptions,
  stop: Deferred.Deferred<void>,
  onBatch?: (outcome: BatchOutcome, totals: WorkerTotals) => Effect.Effect<void>,
) {
  const subscription = yield* EventSubscription
  const totals: WorkerTotals = { received: 0, completed: 0, abandoned: 0, deadLettered: 0, settlementFailures: 0 }
  yield* subscription.messages.pipe(
    // interruptWhen, not haltWhen: haltWhen only looks at `stop` when the next message arrives, which on an idle
    // subscription may be never.
    Stream.interruptWhen(Deferred.await(stop)),
    Stream.groupedWithin(options.batchSize, options.batchWaitMs),
    Stream.mapEffect(
      (batch) =>
        processBatch(batch, options).pipe(
          Effect.tap((outcome) => {
            totals.received += batch.length
            totals.completed += outcome.completed
            totals.abandoned += outcome.abandoned
            totals.deadLettered += outcome.deadLettered
            totals.settlementFailures += outcome.settlementFailures
            return onBatch === undefined ? Effect.void : onBatch(outcome, totals)
          }),
          Effect.uninterruptible,
        ),
      { concurrency: options.batchConcurrency },
    ),
    Stream.runDrain,
  )
  return totals
})
