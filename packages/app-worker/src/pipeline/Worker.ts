import { EventSubscription, type ReceivedMessage, type SubscriptionError } from "@haymaker/domain"
import { type Cause, Deferred, Effect, Exit, Fiber, Queue, Stream } from "effect"
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
 * new message is taken after that, and every message already taken is written and settled before the returned
 * effect completes. Batches are uninterruptible so an interruption (a signal) also lets them settle first.
 *
 * Messages pass through a small inbox rather than straight from the subscription stream: stopping ends the inbox at
 * once, so the batches downstream drain it and settle everything, while the subscription closes on its own fiber.
 * Interrupting the subscription stream in place would make its close (which waits for held messages to be settled)
 * and the last partial batch (which holds some of them) wait for each other.
 */
export const runWorker = Effect.fn("Worker.run")(function* (
  options: WorkerOptions,
  stop: Deferred.Deferred<void>,
  onBatch?: (outcome: BatchOutcome, totals: WorkerTotals) => Effect.Effect<void>,
) {
  const subscription = yield* EventSubscription
  const totals: WorkerTotals = { received: 0, completed: 0, abandoned: 0, deadLettered: 0, settlementFailures: 0 }
  // Unbounded, yet never larger than what the subscription holds (its concurrency): the broker sends more only as
  // messages are settled. Offering never blocks, so a chunk of messages pulled from the subscription is always handed
  // over whole, even when receiving is interrupted.
  const inbox = yield* Queue.unbounded<ReceivedMessage, SubscriptionError | Cause.Done>()

  const receiving = yield* subscription.messages.pipe(
    Stream.runForEachArray((messages) => {
      const refused = Queue.offerAllUnsafe(inbox, messages)
      // Messages arriving after the stop were never taken: hand them back to the broker now, not leave them locked.
      return refused.length === 0
        ? Effect.void
        : Effect.uninterruptible(
            Effect.forEach(refused, (message) => Effect.ignore(message.abandon), {
              concurrency: "unbounded",
              discard: true,
            }),
          )
    }),
    Effect.onExit((exit) => (Exit.isFailure(exit) ? Queue.failCause(inbox, exit.cause) : Queue.end(inbox))),
    Effect.forkScoped,
  )
  yield* Deferred.await(stop).pipe(
    Effect.andThen(Queue.end(inbox)),
    Effect.andThen(Fiber.interrupt(receiving)),
    Effect.forkScoped,
  )

  yield* Stream.fromQueue(inbox).pipe(
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
}, Effect.scoped)
