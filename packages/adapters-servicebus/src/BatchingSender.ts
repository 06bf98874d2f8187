import type { ServiceBusMessage, ServiceBusMessageBatch, ServiceBusSender } from "@azure/service-bus"
import { Cause, Deferred, Effect, Exit, Fiber, Option, Queue, type Scope } from "effect"
import { withEventBusLogger } from "./Logging.ts"
import {
  EventTooLarge,
  type FailureContext,
  fromSdkError,
  type ServiceBusAdapterError,
  ServiceBusClientClosed,
} from "./ServiceBusErrors.ts"

export interface BatchingSenderOptions {
  /** Messages per batch at most (the seed's `batch_size`). */
  readonly batchSize: number
  /** Bytes per batch at most; defaults to the largest message the entity accepts. */
  readonly maxBatchBytes?: number | undefined
  /**
   * How long a partial batch waits for more messages before it is sent. `0` sends whatever is queued as soon as the
   * previous send completes, which still coalesces concurrent publishes.
   */
  readonly flushIntervalMs: number
  /** Messages waiting to be sent at most; `send` suspends (backpressure) while the queue is full. */
  readonly queueCapacity: number
}

export interface BatchingSender {
  /** Resolves when the broker accepted the batch that carried the message. */
  readonly send: (message: ServiceBusMessage, eventType: string) => Effect.Effect<void, ServiceBusAdapterError>
  /**
   * `send` for Promise callers without a fiber per message: queues directly when there is room, and falls back to
   * the effect (which waits for room) when the queue is full.
   */
  readonly sendPromise: (message: ServiceBusMessage, eventType: string) => Promise<void>
  /** Queues the messages in order (one batch sequence), then resolves once all were accepted. */
  readonly sendMany: (
    messages: ReadonlyArray<{ readonly message: ServiceBusMessage; readonly eventType: string }>,
  ) => Effect.Effect<void, ServiceBusAdapterError>
  /** Sends everything queued before this call, and resolves when the broker accepted it. */
  readonly flush: Effect.Effect<void>
}

type Entry =
  | {
      readonly _tag: "Message"
      readonly message: ServiceBusMessage
      readonly eventType: string
      readonly done: (exit: Exit.Exit<void, ServiceBusAdapterError>) => void
    }
  | { readonly _tag: "Flush"; readonly done: (exit: Exit.Exit<void>) => void }

type MessageEntry = Extract<Entry, { _tag: "Message" }>

const summarizeTypes = (entries: ReadonlyArray<MessageEntry>): string => {
  const counts = new Map<string, number>()
  for (const entry of entries) counts.set(entry.eventType, (counts.get(entry.eventType) ?? 0) + 1)
  return Array.from(counts, ([type, count]) => `${type} x${count}`).join(", ")
}

/**
 * One fiber drains a bounded queue into `ServiceBusMessageBatch`es (bounded by count and by bytes) and sends them
 * one at a time, so the order in which `send` was called is the order on the broker. It flushes when a batch is full,
 * when `flushIntervalMs` passed since it started filling one, on `flush`, and when the scope closes.
 */
export const makeBatchingSender = Effect.fnUntraced(function* (
  sender: ServiceBusSender,
  context: Omit<FailureContext, "operation">,
  options: BatchingSenderOptions,
): Effect.fn.Return<BatchingSender, never, Scope.Scope> {
  const queue = yield* Queue.bounded<Entry, Cause.Done>(options.queueCapacity)
  const failureContext: FailureContext = { ...context, operation: "send to" }
  const closedError = () =>
    new ServiceBusClientClosed({
      code: "ClientClosed",
      entityPath: context.entityPath,
      message: `The publisher for ${context.entityPath} is closed; create a new one to publish`,
    })

  const createBatch = Effect.tryPromise({
    try: () =>
      sender.createMessageBatch(options.maxBatchBytes === undefined ? {} : { maxSizeInBytes: options.maxBatchBytes }),
    catch: (cause) => fromSdkError(cause, failureContext),
  })

  const sendBatch = (batch: ServiceBusMessageBatch, entries: ReadonlyArray<MessageEntry>) =>
    Effect.tryPromise({
      try: () => sender.sendMessages(batch),
      catch: (cause) => fromSdkError(cause, failureContext),
    }).pipe(
      Effect.exit,
      Effect.flatMap((exit) =>
        Effect.gen(function* () {
          for (const entry of entries) entry.done(exit)
          if (Exit.isSuccess(exit)) {
            yield* Effect.logDebug(
              `Published ${entries.length} event(s) to ${context.entityPath}: ${summarizeTypes(entries)}`,
            )
          } else {
            yield* Effect.logDebug(`Failed to publish ${entries.length} event(s) to ${context.entityPath}`, {
              error: Cause.squash(exit.cause),
            })
          }
        }),
      ),
    )

  const tooLarge = (entry: MessageEntry, maxSizeInBytes: number) => {
    const body = entry.message.body
    const sizeInBytes = Buffer.isBuffer(body) ? body.length : Buffer.byteLength(JSON.stringify(body) ?? "")
    return new EventTooLarge({
      code: "MessageSizeExceeded",
      entityPath: context.entityPath,
      eventType: entry.eventType,
      sizeInBytes,
      maxSizeInBytes,
      message: `The ${entry.eventType} event (${sizeInBytes} bytes of JSON) does not fit in a message to ${context.entityPath}, whose limit is ${maxSizeInBytes} bytes including headers: shrink the event (e.g. move large details to blob storage)`,
    })
  }

  // Sends the message entries in order, splitting them into as many batches as their bytes require.
  const sendAll = Effect.fnUntraced(function* (entries: ReadonlyArray<MessageEntry>) {
    if (entries.length === 0) return
    const created = yield* Effect.exit(createBatch)
    if (Exit.isFailure(created)) {
      for (const entry of entries) entry.done(Exit.failCause(created.cause))
      return
    }
    let batch = created.value
    let inBatch: Array<MessageEntry> = []
    for (const entry of entries) {
      if (batch.tryAddMessage(entry.message)) {
        inBatch.push(entry)
        continue
      }
      if (inBatch.length === 0) {
        entry.done(Exit.fail(tooLarge(entry, batch.maxSizeInBytes)))
        continue
      }
      yield* sendBatch(batch, inBatch)
      const next = yield* Effect.exit(createBatch)
      if (Exit.isFailure(next)) {
        const rest = entries.slice(entries.indexOf(entry))
        for (const pending of rest) pending.done(Exit.failCause(next.cause))
        return
      }
      batch = next.value
      inBatch = []
      if (batch.tryAddMessage(entry.message)) inBatch.push(entry)
      else entry.done(Exit.fail(tooLarge(entry, batch.maxSizeInBytes)))
    }
    if (inBatch.length > 0) yield* sendBatch(batch, inBatch)
  })

  const processEntries = Effect.fnUntraced(function* (entries: ReadonlyArray<Entry>) {
    let run: Array<MessageEntry> = []
    for (const entry of entries) {
      if (entry._tag === "Message") {
        run.push(entry)
        continue
      }
      yield* sendAll(run)
      run = []
      entry.done(Exit.void)
    }
    yield* sendAll(run)
  })

  const countMessages = (entries: ReadonlyArray<Entry>) => {
    let count = 0
    for (const entry of entries) if (entry._tag === "Message") count++
    return count
  }

  // Takes what is queued (up to a batch); a partial batch then waits up to `flushIntervalMs` for more, but a flush
  // request or the end of the queue cuts the wait short.
  const takeRound = Effect.gen(function* () {
    const entries = yield* Queue.takeBetween(queue, 1, options.batchSize)
    if (options.flushIntervalMs <= 0) return entries
    const deadline = Date.now() + options.flushIntervalMs
    let count = countMessages(entries)
    while (count < options.batchSize && !entries.some((entry) => entry._tag === "Flush")) {
      const remaining = deadline - Date.now()
      if (remaining <= 0) break
      const next = yield* Queue.take(queue).pipe(
        Effect.timeoutOption(remaining),
        Effect.catchCause(() => Effect.succeedNone),
      )
      if (Option.isNone(next)) break
      entries.push(next.value)
      if (next.value._tag === "Message") count++
      const more = yield* Queue.takeBetween(queue, 0, options.batchSize - count).pipe(
        Effect.catchCause(() => Effect.succeed([] as Array<Entry>)),
      )
      for (const entry of more) {
        entries.push(entry)
        if (entry._tag === "Message") count++
      }
    }
    return entries
  })

  // A defect in one round must not strand callers: fail what that round held, keep the loop alive.
  const loop = Effect.gen(function* () {
    while (true) {
      const entries = yield* takeRound
      yield* processEntries(entries).pipe(
        Effect.catchCause((cause) =>
          Effect.sync(() => {
            for (const entry of entries) {
              if (entry._tag === "Message") {
                entry.done(
                  Exit.fail(fromSdkError(Cause.squash(cause), { ...failureContext, operation: "batch messages for" })),
                )
              } else entry.done(Exit.void)
            }
          }),
        ),
      )
    }
  }).pipe(Effect.catchCause(() => Effect.void))

  const fiber = yield* Effect.forkScoped(loop.pipe(withEventBusLogger))

  // On close: stop accepting, send what was queued, then stop the loop.
  yield* Effect.addFinalizer(() =>
    Effect.gen(function* () {
      const done = yield* Deferred.make<void>()
      const accepted = yield* Queue.offer(queue, { _tag: "Flush", done: (exit) => Deferred.doneUnsafe(done, exit) })
      if (accepted) yield* Queue.end(queue)
      yield* Deferred.await(done).pipe(Effect.timeoutOption(options.flushIntervalMs + 60_000))
      yield* Fiber.interrupt(fiber)
      const leftover = yield* Queue.clear(queue)
      for (const entry of leftover) {
        if (entry._tag === "Message") entry.done(Exit.fail(closedError()))
        else entry.done(Exit.void)
      }
    }),
  )

  const send = (message: ServiceBusMessage, eventType: string) =>
    Effect.gen(function* () {
      const done = yield* Deferred.make<void, ServiceBusAdapterError>()
      const accepted = yield* Queue.offer(queue, {
        _tag: "Message",
        message,
        eventType,
        done: (exit) => Deferred.doneUnsafe(done, exit),
      })
      if (!accepted) return yield* closedError()
      return yield* Deferred.await(done)
    })

  const sendPromise = (message: ServiceBusMessage, eventType: string): Promise<void> => {
    let settle: ((exit: Exit.Exit<void, ServiceBusAdapterError>) => void) | undefined
    const result = new Promise<void>((resolve, reject) => {
      settle = (exit) => (Exit.isSuccess(exit) ? resolve() : reject(Cause.squash(exit.cause)))
    })
    if (settle !== undefined && Queue.offerUnsafe(queue, { _tag: "Message", message, eventType, done: settle })) {
      return result
    }
    return Effect.runPromise(send(message, eventType))
  }

  const sendMany = (messages: ReadonlyArray<{ readonly message: ServiceBusMessage; readonly eventType: string }>) =>
    Effect.gen(function* () {
      const pending: Array<Deferred.Deferred<void, ServiceBusAdapterError>> = []
      for (const { message, eventType } of messages) {
        const done = yield* Deferred.make<void, ServiceBusAdapterError>()
        const accepted = yield* Queue.offer(queue, {
          _tag: "Message",
          message,
          eventType,
          done: (exit) => Deferred.doneUnsafe(done, exit),
        })
        if (!accepted) return yield* closedError()
        pending.push(done)
      }
      for (const done of pending) yield* Deferred.await(done)
    })

  const flush = Effect.gen(function* () {
    const done = yield* Deferred.make<void>()
    const accepted = yield* Queue.offer(queue, { _tag: "Flush", done: (exit) => Deferred.doneUnsafe(done, exit) })
    if (accepted) yield* Deferred.await(done)
  })

  return { send, sendPromise, sendMany, flush }
})
