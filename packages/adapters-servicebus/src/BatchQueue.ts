import type { ServiceBusMessage, ServiceBusMessageBatch, ServiceBusSender } from "@azure/service-bus"
import {
  EventTooLarge,
  type FailureContext,
  fromSdkError,
  type ServiceBusAdapterError,
  ServiceBusClientClosed,
} from "./ServiceBusErrors.ts"

/** Called once per queued message: with nothing when the broker accepted its batch, with the failure otherwise. */
export type Acknowledge = (failure: ServiceBusAdapterError | undefined) => void

/** One queued item; `message` is its encoding, made when its batch is packed. */
export interface QueuedMessage<T> {
  readonly item: T
  readonly eventType: string
  readonly acknowledge: Acknowledge
  message: ServiceBusMessage | undefined
}

export interface BatchQueueOptions<T> {
  /** Turns a queued item into its message, when its batch is packed (not when it is offered). */
  readonly encode: (item: T) => ServiceBusMessage
  /** Messages per batch at most. */
  readonly batchSize: number
  /** Bytes per batch at most; `undefined` uses the largest message the entity accepts. */
  readonly maxBatchBytes: number | undefined
  /** How long a partial batch waits for more messages; `0` sends it as soon as a send slot is free. */
  readonly flushIntervalMs: number
  /** Batches sent and not yet acknowledged at most, on the one sender link. */
  readonly maxInFlightBatches: number
}

export interface BatchQueueHooks {
  readonly sent: (entries: ReadonlyArray<QueuedMessage<unknown>>) => void
  readonly failed: (entries: ReadonlyArray<QueuedMessage<unknown>>, error: ServiceBusAdapterError) => void
}

interface FlushWaiter {
  /** Resolved once every message queued before this position is acknowledged. */
  readonly upTo: number
  readonly resolve: () => void
}

const compactAfter = 4_096

/**
 * The publishing hot path, in plain JavaScript: no fiber, no Effect per message or per batch, so what the adapter
 * adds over the SDK is a closure and an array slot per message.
 *
 * Items leave the queue in the order they were offered, are encoded (`encode`) and packed, synchronously, into an
 * SDK `ServiceBusMessageBatch` created ahead of time (creating one is asynchronous). Encoding at packing time puts
 * that work next to the sends it overlaps with, and keeps only small snapshots alive while items wait. Batch
 * boundaries fall where the count (`batchSize`) or the bytes (`tryAddMessage`) say; a partial batch goes out when
 * `flushIntervalMs` passed since it started filling, on `flush()` and on `close()`. Up to `maxInFlightBatches` sends share the sender link:
 * AMQP keeps transfers on one link in order and the broker appends them in that order, so while sends succeed the
 * topic sees the messages in offered order. A batch whose send is retried by the SDK after a transient failure may
 * land after the batch sent behind it; `maxInFlightBatches: 1` keeps the order even then, at the cost of a round
 * trip per batch.
 */
export class BatchQueue<T> {
  readonly #sender: ServiceBusSender
  readonly #context: FailureContext
  readonly #options: BatchQueueOptions<T>
  readonly #hooks: BatchQueueHooks
  #items: Array<QueuedMessage<T> | undefined> = []
  #head = 0
  /** Messages offered so far; a message's position is the count before it. */
  #offered = 0
  /** Messages taken out of the queue (into a batch, or refused) so far. */
  #taken = 0
  readonly #inFlight = new Set<{ readonly start: number }>()
  readonly #flushWaiters: Array<FlushWaiter> = []
  #spare: ServiceBusMessageBatch | undefined
  #creating = false
  // The flush interval is a plain timer: this is the publishing hot path, and a fiber per partial batch would cost
  // more than the batch saves.
  #timer: ReturnType<typeof setTimeout> | undefined
  #partialDue = false
  #pumping = false
  #closing = false
  #closed: Promise<void> | undefined
  #onIdle: (() => void) | undefined

  constructor(
    sender: ServiceBusSender,
    context: FailureContext,
    options: BatchQueueOptions<T>,
    hooks: BatchQueueHooks,
  ) {
    this.#sender = sender
    this.#context = context
    this.#options = options
    this.#hooks = hooks
  }

  get #length(): number {
    return this.#items.length - this.#head
  }

  /** Queues an item; `false` (and nothing queued) once `close()` was called. */
  offer(item: T, eventType: string, acknowledge: Acknowledge): boolean {
    if (this.#closing) return false
    this.#items.push({ item, eventType, acknowledge, message: undefined })
    this.#offered++
    if (this.#length >= this.#options.batchSize || this.#options.flushIntervalMs <= 0) this.#pump()
    else if (this.#timer === undefined && !this.#partialDue) this.#armTimer()
    return true
  }

  /** Resolves once every message offered before this call is acknowledged (accepted or failed). */
  flush(): Promise<void> {
    const upTo = this.#offered
    if (this.#acknowledgedBefore() >= upTo) return Promise.resolve()
    return new Promise((resolve) => {
      this.#flushWaiters.push({ upTo, resolve })
      this.#pump()
    })
  }

  /**
   * Stops accepting messages and sends what is queued. Resolves once all of it is acknowledged; the caller bounds the
   * wait and then calls {@link abandonQueued}.
   */
  close(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed
    this.#closing = true
    this.#clearTimer()
    this.#closed = new Promise<void>((resolve) => {
      this.#onIdle = resolve
      this.#pump()
    })
    return this.#closed
  }

  /** Fails what is still queued with `ServiceBusClientClosed` (sends in flight are left to the SDK). */
  abandonQueued(): void {
    this.#onIdle = undefined
    this.#failQueued()
  }

  /** Position of the first message not yet acknowledged. */
  #acknowledgedBefore(): number {
    let first = this.#taken
    for (const flight of this.#inFlight) if (flight.start < first) first = flight.start
    return first
  }

  #partialAllowed(): boolean {
    if (this.#closing || this.#partialDue || this.#options.flushIntervalMs <= 0) return true
    const last = this.#flushWaiters[this.#flushWaiters.length - 1]
    return last !== undefined && last.upTo > this.#taken
  }

  #pump(): void {
    if (this.#pumping) return
    this.#pumping = true
    try {
      while (this.#inFlight.size < this.#options.maxInFlightBatches && this.#length > 0) {
        if (this.#length < this.#options.batchSize && !this.#partialAllowed()) break
        const batch = this.#spare
        if (batch === undefined) {
          this.#createSpare()
          break
        }
        this.#spare = undefined
        this.#fill(batch)
      }
      if (this.#length > 0 && this.#spare === undefined) this.#createSpare()
      if (this.#length > 0 && this.#timer === undefined && !this.#partialDue) this.#armTimer()
    } finally {
      this.#pumping = false
    }
    this.#notify()
  }

  /** Packs messages from the head of the queue into `batch` and sends it. */
  #fill(batch: ServiceBusMessageBatch): void {
    const start = this.#taken
    const entries: Array<QueuedMessage<T>> = []
    while (entries.length < this.#options.batchSize && this.#length > 0) {
      const entry = this.#items[this.#head] as QueuedMessage<T>
      let added: boolean
      try {
        // Kept on the entry: a message that overflows this batch opens the next one without being encoded again.
        entry.message ??= this.#options.encode(entry.item)
        added = batch.tryAddMessage(entry.message)
      } catch (cause) {
        this.#advance()
        entry.acknowledge(fromSdkError(cause, { ...this.#context, operation: "batch messages for" }))
        continue
      }
      if (!added) {
        if (entries.length > 0) break
        // A refused first message leaves its properties on the SDK's batch envelope: start the next from a new one.
        this.#advance()
        entry.acknowledge(this.#tooLarge(entry.eventType, entry.message, batch.maxSizeInBytes))
        return
      }
      this.#advance()
      entries.push(entry)
    }
    if (entries.length === 0) {
      // Every message it was offered was invalid; the batch itself is untouched.
      this.#spare = batch
      return
    }
    this.#partialDue = false
    this.#clearTimer()
    const flight = { start }
    this.#inFlight.add(flight)
    this.#sender.sendMessages(batch).then(
      () => {
        this.#inFlight.delete(flight)
        for (const entry of entries) entry.acknowledge(undefined)
        this.#hooks.sent(entries)
        this.#pump()
      },
      (cause: unknown) => {
        this.#inFlight.delete(flight)
        const error = fromSdkError(cause, this.#context)
        for (const entry of entries) entry.acknowledge(error)
        this.#hooks.failed(entries, error)
        this.#pump()
      },
    )
  }

  #createSpare(): void {
    if (this.#creating) return
    this.#creating = true
    const maxBatchBytes = this.#options.maxBatchBytes
    this.#sender.createMessageBatch(maxBatchBytes === undefined ? {} : { maxSizeInBytes: maxBatchBytes }).then(
      (batch) => {
        this.#creating = false
        this.#spare = batch
        this.#pump()
      },
      (cause: unknown) => {
        this.#creating = false
        // The link could not be opened (entity, credential, connection): the batch it was for fails; the messages
        // behind it get their own attempt.
        const error = fromSdkError(cause, this.#context)
        const failed: Array<QueuedMessage<T>> = []
        while (failed.length < this.#options.batchSize && this.#length > 0) {
          failed.push(this.#items[this.#head] as QueuedMessage<T>)
          this.#advance()
        }
        for (const entry of failed) entry.acknowledge(error)
        if (failed.length > 0) this.#hooks.failed(failed, error)
        this.#pump()
      },
    )
  }

  #advance(): void {
    this.#items[this.#head] = undefined
    this.#head++
    this.#taken++
    if (this.#head >= compactAfter && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
  }

  #armTimer(): void {
    if (this.#options.flushIntervalMs <= 0) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#partialDue = true
      this.#pump()
    }, this.#options.flushIntervalMs)
  }

  #clearTimer(): void {
    if (this.#timer === undefined) return
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  /** Resolves the flush waiters (and a pending close) whose messages are all acknowledged. */
  #notify(): void {
    if (this.#flushWaiters.length > 0) {
      const acknowledged = this.#acknowledgedBefore()
      while (this.#flushWaiters.length > 0 && (this.#flushWaiters[0] as FlushWaiter).upTo <= acknowledged) {
        ;(this.#flushWaiters.shift() as FlushWaiter).resolve()
      }
    }
    if (this.#onIdle !== undefined && this.#length === 0 && this.#inFlight.size === 0) {
      const onIdle = this.#onIdle
      this.#onIdle = undefined
      onIdle()
    }
  }

  #failQueued(): void {
    const error = new ServiceBusClientClosed({
      code: "ClientClosed",
      entityPath: this.#context.entityPath,
      message: `The publisher for ${this.#context.entityPath} closed before this event could be sent; publish it again on a new client`,
    })
    while (this.#length > 0) {
      const entry = this.#items[this.#head] as QueuedMessage<T>
      this.#advance()
      entry.acknowledge(error)
    }
    for (const waiter of this.#flushWaiters.splice(0)) waiter.resolve()
  }

  #tooLarge(eventType: string, message: ServiceBusMessage | undefined, maxSizeInBytes: number): EventTooLarge {
    const body = message?.body
    const sizeInBytes = Buffer.isBuffer(body) ? body.length : Buffer.byteLength(JSON.stringify(body) ?? "")
    const entityPath = this.#context.entityPath
    return new EventTooLarge({
      code: "MessageSizeExceeded",
      entityPath,
      eventType,
      sizeInBytes,
      maxSizeInBytes,
      message: `The ${eventType} event (${sizeInBytes} bytes of JSON) does not fit in a message to ${entityPath}, whose limit is ${maxSizeInBytes} bytes including headers: shrink the event (e.g. move large details to blob storage)`,
    })
  }
}
