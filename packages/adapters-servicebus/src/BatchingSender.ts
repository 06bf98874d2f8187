import type { ServiceBusSender } from "@azure/service-bus"
import { Duration, Effect, type Scope } from "effect"
import { type Acknowledge, BatchQueue, type QueuedMessage } from "./BatchQueue.ts"
import { makeDebugLog } from "./Logging.ts"
import { encodePrepared, type PreparedEvent } from "./MessageEncoding.ts"
import { type FailureContext, type ServiceBusAdapterError, ServiceBusClientClosed } from "./ServiceBusErrors.ts"

export interface BatchingSenderOptions {
  /** Messages per batch at most (the seed's `batch_size`). */
  readonly batchSize: number
  /** Bytes per batch at most; defaults to the largest message the entity accepts. */
  readonly maxBatchBytes?: number | undefined
  /**
   * How long a partial batch waits for more messages before it is sent. `0` sends whatever is queued as soon as a
   * send slot is free, which still coalesces concurrent publishes.
   */
  readonly flushInterval: Duration.Duration
  /** Batches in flight on the sender link at most; `1` keeps the order even when the SDK retries a send. */
  readonly maxInFlightBatches: number
  /** On close, how long queued messages may take to be sent before they fail with `ServiceBusClientClosed`. */
  readonly closeGrace: Duration.Duration
}

export interface BatchingSender {
  /** Resolves when the broker accepted the batch that carried the event. */
  readonly send: (event: PreparedEvent) => Effect.Effect<void, ServiceBusAdapterError>
  /** `send` for Promise callers, without a fiber. */
  readonly sendPromise: (event: PreparedEvent) => Promise<void>
  /** Queues the events in order, then resolves once all were accepted (or fails with the first failure). */
  readonly sendMany: (events: ReadonlyArray<PreparedEvent>) => Effect.Effect<void, ServiceBusAdapterError>
  /** Sends everything queued before this call, and resolves when the broker acknowledged it. */
  readonly flush: Effect.Effect<void>
}

const summarizeTypes = (entries: ReadonlyArray<QueuedMessage<unknown>>): string => {
  const counts = new Map<string, number>()
  for (const entry of entries) counts.set(entry.eventType, (counts.get(entry.eventType) ?? 0) + 1)
  return Array.from(counts, ([type, count]) => `${type} x${count}`).join(", ")
}

/**
 * The Effect face of a `BatchQueue` over one sender: closing the scope sends what is queued (for up to
 * `closeGraceMs`). Debug lines (one per batch) are only built when the caller's minimum log level lets them out.
 */
export const makeBatchingSender = Effect.fnUntraced(function* (
  sender: ServiceBusSender,
  context: Omit<FailureContext, "operation">,
  options: BatchingSenderOptions,
): Effect.fn.Return<BatchingSender, never, Scope.Scope> {
  const debug = yield* makeDebugLog
  const entityPath = context.entityPath
  const queue = new BatchQueue<PreparedEvent>(
    sender,
    { ...context, operation: "send to" },
    {
      encode: encodePrepared,
      batchSize: options.batchSize,
      maxBatchBytes: options.maxBatchBytes,
      flushIntervalMs: Duration.toMillis(options.flushInterval),
      maxInFlightBatches: options.maxInFlightBatches,
    },
    {
      sent: (entries) => debug?.(`Published ${entries.length} event(s) to ${entityPath}: ${summarizeTypes(entries)}`),
      failed: (entries, error) =>
        debug?.(`Failed to publish ${entries.length} event(s) to ${entityPath}: ${error.message}`),
    },
  )
  // Closing sends what is queued; what the grace (on the Clock) leaves unsent fails, so no publish waits forever.
  yield* Effect.addFinalizer(() =>
    Effect.promise(() => queue.close()).pipe(
      Effect.timeoutOption(options.closeGrace),
      Effect.andThen(Effect.sync(() => queue.abandonQueued())),
    ),
  )

  const closedError = () =>
    new ServiceBusClientClosed({
      code: "ClientClosed",
      entityPath,
      message: `The publisher for ${entityPath} is closed; create a new one to publish`,
    })

  const send = (event: PreparedEvent) =>
    Effect.callback<void, ServiceBusAdapterError>((resume) => {
      const acknowledge: Acknowledge = (failure) => resume(failure === undefined ? Effect.void : Effect.fail(failure))
      if (!queue.offer(event, event.eventType, acknowledge)) resume(Effect.fail(closedError()))
    })

  const sendPromise = (event: PreparedEvent): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (!queue.offer(event, event.eventType, (failure) => (failure === undefined ? resolve() : reject(failure)))) {
        reject(closedError())
      }
    })

  const sendMany = (events: ReadonlyArray<PreparedEvent>) =>
    Effect.callback<void, ServiceBusAdapterError>((resume) => {
      if (events.length === 0) return resume(Effect.void)
      let remaining = events.length
      // The failure reported is that of the earliest message that failed, whatever order the batches were acknowledged in.
      let firstFailure: { readonly index: number; readonly error: ServiceBusAdapterError } | undefined
      const acknowledgeAt =
        (index: number): Acknowledge =>
        (failure) => {
          if (failure !== undefined && (firstFailure === undefined || index < firstFailure.index)) {
            firstFailure = { index, error: failure }
          }
          if (--remaining === 0) resume(firstFailure === undefined ? Effect.void : Effect.fail(firstFailure.error))
        }
      for (const [index, event] of events.entries()) {
        if (!queue.offer(event, event.eventType, acknowledgeAt(index))) acknowledgeAt(index)(closedError())
      }
    })

  const flush = Effect.promise(() => queue.flush())

  return { send, sendPromise, sendMany, flush }
})
