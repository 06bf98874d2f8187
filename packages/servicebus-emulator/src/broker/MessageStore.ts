import type { Logger } from "../log.ts"
import { AvailableQueue } from "./AvailableQueue.ts"
import { BrokerError } from "./BrokerError.ts"
import { BrokeredMessage, type Lock, type MessageState, type Payload } from "./BrokeredMessage.ts"
import type { BrokerJournal } from "./BrokerJournal.ts"
import type { DeadlineQueue } from "./DeadlineQueue.ts"
import type { LockTokens } from "./LockTokens.ts"

export type ReceiveMode = "peekLock" | "receiveAndDelete"

/** A receiver attached to a store (an AMQP receiver link, in practice). */
export interface Consumer {
  readonly mode: ReceiveMode
  /** How many messages the consumer can take right now (its unused link credit). */
  capacity(): number
  /** `deliveryCount` is the count before this delivery, as the AMQP header carries it. */
  deliver(message: BrokeredMessage, deliveryCount: number): void
  /** The store was deleted (management API): the consumer ends with "not found". */
  storeDeleted?(path: string): void
}

/** Message counts and size of one store, as the management API reports them. */
export interface StoreCounts {
  /** Active messages, locked or not, and deferred ones (Azure counts deferred messages as active). */
  readonly active: number
  readonly scheduled: number
  readonly sizeInBytes: number
}

export interface StoreSettings {
  readonly lockDurationMs: number
  readonly maxDeliveryCount: number
  readonly defaultMessageTimeToLiveMs: number
  readonly deadLetteringOnMessageExpiration: boolean
  readonly forwardTo: string | undefined
  readonly forwardDeadLetteredMessagesTo: string | undefined
  /** A session-enabled queue or subscription (a `SessionStore`). */
  readonly requiresSession: boolean
}

/** What a store needs from the broker around it. */
export interface StoreHost {
  readonly deadlines: DeadlineQueue
  readonly lockTokens: LockTokens
  readonly logger: Logger
  /** Durable storage, when the emulator runs with a data directory; set once the stored state is restored. */
  readonly journal: BrokerJournal | undefined
  now(): number
  registerLock(token: number, store: MessageStore, message: BrokeredMessage): void
  releaseLock(token: number): void
  /** Routes a message to another queue or topic (ForwardTo chains); false when that entity does not exist. */
  forward(target: string, payload: Payload, hops: number, carried: Carried): boolean
}

/** A message as durable storage recorded it. */
export interface StoredMessage {
  readonly sequenceNumber: number
  readonly payload: Payload
  readonly enqueuedTimeMs: number
  readonly expiresAtMs: number
  readonly deliveryCount: number
  readonly state: MessageState
  readonly hops: number
  readonly propertyOverrides: Record<string, unknown> | undefined
  readonly deadLetterSource: string | undefined
}

/** What a forwarded or dead-lettered message takes along besides its payload. */
export interface Carried {
  readonly properties?: Record<string, unknown> | undefined
  readonly deadLetterSource?: string | undefined
}

export const deadLetterReasons = {
  maxDeliveryCount: "MaxDeliveryCountExceeded",
  expired: "TTLExpiredException",
  hopCount: "MaxTransferHopCountExceeded",
  /** The emulator's name (Service Bus moves such messages to the transfer dead-letter queue, which it has not). */
  destinationMissing: "TransferDestinationEntityNotFound",
} as const

const destinationMissingDescription = "The transfer destination entity does not exist."

// Azure stops ForwardTo chains after four hops.
const maxForwardHops = 4

const infinity = Number.POSITIVE_INFINITY

/**
 * The messages of one queue, subscription or dead-letter sub-queue, with peek-lock, delivery counts, TTL,
 * deferral, scheduling and dead-lettering. Protocol-independent: AMQP links attach as `Consumer`s.
 */
export class MessageStore {
  readonly path: string
  /** Replaced as a whole by `reconfigure`. */
  settings: StoreSettings
  /** The dead-letter sub-queue; undefined for a dead-letter queue itself. */
  readonly deadLetterQueue: MessageStore | undefined
  protected readonly host: StoreHost
  /** Every message present, whatever its state (active, locked, deferred, scheduled). */
  protected readonly messages = new Map<number, BrokeredMessage>()
  /** Messages a receiver may take now; `queue` holds them in delivery order. */
  protected readonly available = new Set<BrokeredMessage>()
  private readonly queue = new AvailableQueue((message) => this.available.has(message))
  private consumers: Array<Consumer> = []
  private nextConsumer = 0
  private pumping = false
  private pumpQueued = false
  /** When a message was last delivered (part of the management API's AccessedAt). */
  deliveredAtMs: number | undefined = undefined

  constructor(path: string, settings: StoreSettings, host: StoreHost, deadLetterQueue: MessageStore | undefined) {
    this.path = path
    this.settings = settings
    this.host = host
    this.deadLetterQueue = deadLetterQueue
  }

  get messageCount(): number {
    return this.messages.size
  }

  get availableCount(): number {
    return this.available.size
  }

  reconfigure(settings: StoreSettings): void {
    this.settings = settings
    if (this.deadLetterQueue !== undefined) {
      this.deadLetterQueue.settings = { ...this.deadLetterQueue.settings, lockDurationMs: settings.lockDurationMs }
    }
  }

  counts(): StoreCounts {
    let scheduled = 0
    let sizeInBytes = 0
    for (const message of this.messages.values()) {
      if (message.state === "scheduled") scheduled++
      sizeInBytes += message.payload.sizeInBytes
    }
    return { active: this.messages.size - scheduled, scheduled, sizeInBytes }
  }

  /** Deletes the store (and its dead-letter queue): messages, timers and locks go, consumers are told. */
  drop(): void {
    for (const message of [...this.messages.values()]) this.remove(message)
    const consumers = this.consumers
    this.consumers = []
    for (const consumer of consumers) consumer.storeDeleted?.(this.path)
    this.deadLetterQueue?.drop()
  }

  attach(consumer: Consumer): void {
    this.consumers.push(consumer)
  }

  detach(consumer: Consumer): void {
    this.consumers = this.consumers.filter((c) => c !== consumer)
  }

  /** Adds a new message; `sequenceNumber` comes from the queue or topic that accepted it. */
  enqueue(payload: Payload, sequenceNumber: number, hops: number, carried: Carried = {}): void {
    const forwardTo = this.settings.forwardTo
    if (forwardTo !== undefined && hops < maxForwardHops && this.host.forward(forwardTo, payload, hops + 1, carried)) {
      return
    }
    const now = this.host.now()
    const message = new BrokeredMessage(sequenceNumber, payload, now, infinity, "active", hops)
    message.modifyProperties(carried.properties)
    message.deadLetterSource = carried.deadLetterSource
    this.messages.set(sequenceNumber, message)
    if (forwardTo !== undefined) {
      // Too many hops, or the destination is gone (deleted through the management API): nothing is lost.
      if (hops >= maxForwardHops) {
        this.deadLetter(message, deadLetterReasons.hopCount, `The message exceeded ${maxForwardHops} forwarding hops.`)
      } else this.deadLetter(message, deadLetterReasons.destinationMissing, destinationMissingDescription)
      return
    }
    this.startTimeToLive(message, now)
    this.host.journal?.messagePut(this, message)
    this.makeAvailable(message)
  }

  /** A message that never became active here (a rule of the subscription failed on it) goes to the dead-letter queue. */
  enqueueDeadLettered(
    payload: Payload,
    sequenceNumber: number,
    hops: number,
    reason: string,
    description: string,
  ): void {
    const message = new BrokeredMessage(sequenceNumber, payload, this.host.now(), infinity, "active", hops)
    this.messages.set(sequenceNumber, message)
    this.deadLetter(message, reason, description)
  }

  /** Holds a message until `enqueueAtMs` (scheduled messages of a queue are visible to peek, like Azure's). */
  schedule(payload: Payload, sequenceNumber: number, enqueueAtMs: number): void {
    const message = new BrokeredMessage(sequenceNumber, payload, enqueueAtMs, infinity, "scheduled", 0)
    this.messages.set(sequenceNumber, message)
    this.armScheduled(message)
    this.host.journal?.messagePut(this, message)
  }

  private armScheduled(message: BrokeredMessage): void {
    message.timer = this.host.deadlines.schedule(message.enqueuedTimeMs, () => {
      message.timer = undefined
      this.activateScheduled(message)
    })
  }

  /**
   * Puts back a message recovered from durable storage. A lock it held when the emulator stopped is gone: the
   * delivery was counted, so it comes back with the delivery count + 1 (or dead-lettered past MaxDeliveryCount).
   */
  restore(stored: StoredMessage): void {
    const message = new BrokeredMessage(
      stored.sequenceNumber,
      stored.payload,
      stored.enqueuedTimeMs,
      stored.expiresAtMs,
      stored.state,
      stored.hops,
    )
    message.deliveryCount = stored.deliveryCount
    message.propertyOverrides = stored.propertyOverrides
    message.deadLetterSource = stored.deadLetterSource
    this.messages.set(message.sequenceNumber, message)
    if (message.state === "scheduled") this.armScheduled(message)
    else if (message.state === "active") {
      this.armExpiry(message)
      this.afterRelease(message)
    }
  }

  /** Every message present, in no particular order (durable storage's snapshots). */
  storedMessages(): IterableIterator<BrokeredMessage> {
    return this.messages.values()
  }

  /** Returns false when no scheduled message has this sequence number. */
  cancelScheduled(sequenceNumber: number): boolean {
    const message = this.messages.get(sequenceNumber)
    if (message === undefined || message.state !== "scheduled") return false
    this.remove(message)
    return true
  }

  /** Hands available messages to consumers with credit, round-robin. */
  pump(): void {
    if (this.pumping) return
    this.pumping = true
    try {
      while (this.consumers.length > 0) {
        const message = this.queue.peek()
        if (message === undefined) break
        const consumer = this.consumerWithCapacity()
        if (consumer === undefined) break
        this.takeAndDeliver(this.queue, message, consumer)
      }
    } finally {
      this.pumping = false
    }
  }

  /** Coalesces the pumps of a burst of sends (a batch) into one pass after the current event. */
  schedulePump(): void {
    if (this.pumpQueued) return
    this.pumpQueued = true
    queueMicrotask(() => {
      this.pumpQueued = false
      this.pump()
    })
  }

  complete(message: BrokeredMessage): void {
    this.remove(message)
  }

  abandon(message: BrokeredMessage, properties: Record<string, unknown> | undefined): void {
    this.unlock(message)
    message.modifyProperties(properties)
    if (properties !== undefined) this.host.journal?.messagePut(this, message)
    this.afterRelease(message)
  }

  defer(message: BrokeredMessage, properties: Record<string, unknown> | undefined): void {
    this.unlock(message)
    message.modifyProperties(properties)
    // Deferred messages stay until received by sequence number; Azure never expires them to the dead-letter queue.
    this.host.deadlines.cancel(message.timer)
    message.timer = undefined
    message.state = "deferred"
    this.host.journal?.messagePut(this, message)
  }

  deadLetterLocked(
    message: BrokeredMessage,
    reason: string | undefined,
    description: string | undefined,
    properties: Record<string, unknown> | undefined,
  ): void {
    this.unlock(message)
    message.modifyProperties(properties)
    this.deadLetter(message, reason, description)
  }

  renewLock(message: BrokeredMessage): number {
    const lock = message.lock
    if (lock === undefined) throw new BrokerError("MessageLockLost", "The lock on the message has expired.")
    lock.lockedUntilMs = this.host.now() + this.settings.lockDurationMs
    if (lock.deadline !== undefined) this.host.deadlines.reschedule(lock.deadline, lock.lockedUntilMs)
    return lock.lockedUntilMs
  }

  /**
   * Receives deferred messages by sequence number. Like Azure, fails as a whole when one of them is missing or not
   * deferred. Returns each message with the delivery count it had before this delivery.
   */
  receiveDeferred(
    sequenceNumbers: ReadonlyArray<number>,
    mode: ReceiveMode,
  ): Array<{ readonly message: BrokeredMessage; readonly deliveryCount: number }> {
    const found = sequenceNumbers.map((sequenceNumber) => {
      const message = this.messages.get(sequenceNumber)
      if (message === undefined || message.state !== "deferred" || message.lock !== undefined) {
        throw new BrokerError(
          "MessageNotFound",
          `Failed to lock one or more specified messages. The message with sequence number ${sequenceNumber} is not deferred in ${this.path}.`,
        )
      }
      return message
    })
    return found.map((message) => {
      const deliveryCount = message.deliveryCount
      message.deliveryCount++
      if (mode === "receiveAndDelete") this.remove(message)
      else {
        this.lock(message)
        this.host.journal?.messagePut(this, message)
      }
      return { message, deliveryCount }
    })
  }

  /**
   * Messages from `fromSequenceNumber` on (those `include` accepts), in sequence order, whatever their state; locks
   * nothing.
   */
  peek(
    fromSequenceNumber: number,
    count: number,
    include: (message: BrokeredMessage) => boolean = () => true,
  ): Array<BrokeredMessage> {
    this.host.deadlines.runDue()
    // Arrival order is usually sequence order, but dead-lettered and topic-scheduled messages interleave: scan all.
    const selected: Array<BrokeredMessage> = []
    let sorted = true
    for (const message of this.messages.values()) {
      if (message.sequenceNumber < fromSequenceNumber || !include(message)) continue
      const last = selected[selected.length - 1]
      if (last !== undefined && last.sequenceNumber > message.sequenceNumber) sorted = false
      selected.push(message)
    }
    if (!sorted) selected.sort((a, b) => a.sequenceNumber - b.sequenceNumber)
    return selected.slice(0, count)
  }

  /** Called by the broker's lock table when a lock's deadline passes. */
  lockExpired(message: BrokeredMessage): void {
    if (message.lock === undefined) return
    this.host.releaseLock(message.lock.token)
    message.lock = undefined
    this.host.logger.debug("lock expired", { entity: this.path, sequenceNumber: message.sequenceNumber })
    this.afterRelease(message)
  }

  /** Ends all timers of the store's messages (broker shutdown). */
  clear(): void {
    for (const message of this.messages.values()) {
      this.host.deadlines.cancel(message.timer)
      if (message.lock !== undefined) this.host.deadlines.cancel(message.lock.deadline)
    }
    this.messages.clear()
    this.available.clear()
  }

  /** Accepts a message dead-lettered by the parent store (keeps sequence number, delivery count and properties). */
  acceptDeadLettered(source: BrokeredMessage): void {
    const message = new BrokeredMessage(
      source.sequenceNumber,
      source.payload,
      source.enqueuedTimeMs,
      infinity,
      "active",
      source.hops,
    )
    message.deliveryCount = source.deliveryCount
    message.propertyOverrides = source.propertyOverrides
    this.messages.set(message.sequenceNumber, message)
    this.host.journal?.messagePut(this, message)
    this.makeAvailable(message)
  }

  private startTimeToLive(message: BrokeredMessage, now: number): void {
    const ttl = Math.min(message.payload.timeToLiveMs ?? infinity, this.settings.defaultMessageTimeToLiveMs)
    message.expiresAtMs = now + ttl
    this.armExpiry(message)
  }

  private armExpiry(message: BrokeredMessage): void {
    if (!Number.isFinite(message.expiresAtMs)) return
    message.timer = this.host.deadlines.schedule(message.expiresAtMs, () => {
      message.timer = undefined
      if (message.lock !== undefined) message.expiredWhileLocked = true
      else if (this.messages.get(message.sequenceNumber) === message && message.state === "active") {
        this.expire(message)
      }
    })
  }

  private activateScheduled(message: BrokeredMessage): void {
    if (this.messages.get(message.sequenceNumber) !== message) return
    const forwardTo = this.settings.forwardTo
    if (forwardTo !== undefined) {
      if (this.host.forward(forwardTo, message.payload, message.hops + 1, {})) this.remove(message)
      else this.deadLetter(message, deadLetterReasons.destinationMissing, destinationMissingDescription)
      return
    }
    const now = this.host.now()
    message.state = "active"
    message.enqueuedTimeMs = now
    this.startTimeToLive(message, now)
    this.host.journal?.messagePut(this, message)
    this.makeAvailable(message)
  }

  protected makeAvailable(message: BrokeredMessage): void {
    this.available.add(message)
    this.queue.push(message)
    this.schedulePump()
  }

  private consumerWithCapacity(): Consumer | undefined {
    const consumers = this.consumers
    for (let i = 0; i < consumers.length; i++) {
      const index = (this.nextConsumer + i) % consumers.length
      const consumer = consumers[index] as Consumer
      if (consumer.capacity() > 0) {
        this.nextConsumer = (index + 1) % consumers.length
        return consumer
      }
    }
    return undefined
  }

  /** Takes `message`, which `queue.peek()` just returned, and delivers it (or expires it if its time is up). */
  protected takeAndDeliver(queue: AvailableQueue, message: BrokeredMessage, consumer: Consumer): void {
    queue.shift()
    this.available.delete(message)
    if (message.expiresAtMs <= this.host.now()) this.expire(message)
    else this.deliver(message, consumer)
  }

  protected deliver(message: BrokeredMessage, consumer: Consumer): void {
    this.deliveredAtMs = this.host.now()
    const deliveryCount = message.deliveryCount
    message.deliveryCount++
    if (consumer.mode === "receiveAndDelete") this.remove(message)
    else {
      this.lock(message)
      // Recorded so that a message locked when the emulator stops comes back with this delivery counted.
      this.host.journal?.messagePut(this, message)
    }
    consumer.deliver(message, deliveryCount)
  }

  protected lock(message: BrokeredMessage): void {
    const token = this.host.lockTokens.issue()
    const lockedUntilMs = this.host.now() + this.settings.lockDurationMs
    const lock: Lock = { token, lockedUntilMs, deadline: undefined }
    lock.deadline = this.host.deadlines.schedule(lockedUntilMs, () => {
      lock.deadline = undefined
      if (message.lock === lock) this.lockExpired(message)
    })
    message.lock = lock
    this.host.registerLock(token, this, message)
  }

  protected unlock(message: BrokeredMessage): void {
    const lock = message.lock
    if (lock === undefined) return
    this.host.deadlines.cancel(lock.deadline)
    this.host.releaseLock(lock.token)
    message.lock = undefined
  }

  /** A released lock (abandon or expiry) counts as a failed delivery attempt. */
  protected afterRelease(message: BrokeredMessage): void {
    if (this.messages.get(message.sequenceNumber) !== message) return
    if (message.expiredWhileLocked || message.expiresAtMs <= this.host.now()) {
      this.expire(message)
      return
    }
    if (message.deliveryCount >= this.settings.maxDeliveryCount) {
      this.deadLetter(
        message,
        deadLetterReasons.maxDeliveryCount,
        `Message could not be consumed after ${this.settings.maxDeliveryCount} delivery attempts.`,
      )
      return
    }
    if (message.state === "deferred") return
    this.makeAvailable(message)
  }

  protected expire(message: BrokeredMessage): void {
    if (this.settings.deadLetteringOnMessageExpiration && this.deadLetterQueue !== undefined) {
      this.deadLetter(message, deadLetterReasons.expired, "The message expired and was dead lettered.")
    } else {
      this.host.logger.debug("message expired", { entity: this.path, sequenceNumber: message.sequenceNumber })
      this.remove(message)
    }
  }

  protected deadLetter(message: BrokeredMessage, reason: string | undefined, description: string | undefined): void {
    const properties: Record<string, unknown> = {}
    if (reason !== undefined) properties.DeadLetterReason = reason
    if (description !== undefined) properties.DeadLetterErrorDescription = description
    message.modifyProperties(properties)
    if (this.deadLetterQueue === undefined) {
      // Dead-lettering from a dead-letter queue keeps the message there (with the new reason).
      this.host.journal?.messagePut(this, message)
      if (message.state === "active") this.makeAvailable(message)
      return
    }
    this.remove(message)
    this.host.logger.debug("message dead-lettered", {
      entity: this.path,
      sequenceNumber: message.sequenceNumber,
      reason,
    })
    const forwardTo = this.settings.forwardDeadLetteredMessagesTo
    const carried = { properties: message.propertyOverrides, deadLetterSource: this.path }
    if (forwardTo !== undefined && this.host.forward(forwardTo, message.payload, message.hops + 1, carried)) return
    // Without a destination (or with one that is gone) the message stays in this entity's dead-letter queue.
    this.deadLetterQueue.acceptDeadLettered(message)
  }

  protected remove(message: BrokeredMessage): void {
    this.unlock(message)
    this.host.deadlines.cancel(message.timer)
    message.timer = undefined
    this.available.delete(message)
    if (this.messages.get(message.sequenceNumber) === message) {
      this.messages.delete(message.sequenceNumber)
      this.host.journal?.messageRemoved(this, message)
    }
  }
}
