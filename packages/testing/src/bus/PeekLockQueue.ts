import type { DateTime } from "effect"
import { MinHeap } from "./MinHeap.ts"

/** A message as the bus accepted it. */
export interface EnqueuedMessage {
  readonly messageId: string
  /** The body exactly as sent: bytes, a string or a parsed value. */
  readonly body: unknown
  readonly sequenceNumber: bigint
  readonly enqueuedTime: DateTime.Utc
}

/** A message in the dead-letter queue, with why it is there. */
export interface DeadLetteredMessage extends EnqueuedMessage {
  readonly reason: string
  readonly description: string
  /** Deliveries before it was dead-lettered. */
  readonly deliveryCount: number
}

/** What Service Bus writes as the reason when it dead-letters a message that was delivered too often. */
export const MAX_DELIVERY_COUNT_EXCEEDED = "MaxDeliveryCountExceeded"

type State = "available" | "locked" | "deferred" | "completed" | "deadLettered"

interface Entry {
  readonly message: EnqueuedMessage
  /** Deliveries so far (the AMQP header's count of the next delivery). */
  deliveryCount: number
  state: State
  /** The delivery holding the lock, while `state` is `locked`. */
  holder: Delivery | undefined
  /** Deferred: while unlocked it waits to be received by sequence number, not in the available queue. */
  deferred: boolean
}

/** One delivery of a message under a peek-lock; it may be settled once, and only while it holds the lock. */
export class Delivery {
  readonly message: EnqueuedMessage
  /** How many times the message was delivered before this delivery (0 the first time, as the JS SDK reports it). */
  readonly deliveryCount: number
  /** @internal */
  readonly entry: Entry
  settled = false
  /** Its consumer renewed its lock: it holds the message on purpose, so a closing receiver waits for it. */
  kept = false

  constructor(entry: Entry) {
    this.entry = entry
    this.message = entry.message
    this.deliveryCount = entry.deliveryCount
  }
}

/** Why a settlement was refused. */
export type SettleRefusal = "AlreadySettled" | "LockLost"

/** Why receiving deferred messages by sequence number was refused. */
export interface DeferredRefusal {
  readonly sequenceNumber: bigint
}

/**
 * The peek-lock semantics of one Service Bus subscription, synchronous and in memory: messages are handed out
 * lowest sequence number first, a delivery locks its message until it is completed, abandoned or dead-lettered, an
 * abandoned (or lock-expired) message comes back with its delivery count increased, and a message released after
 * `maxDeliveryCount` deliveries goes to the dead-letter queue as Service Bus does. A deferred message waits aside
 * until received by its sequence number; released again, it goes back to waiting aside.
 */
export class PeekLockQueue {
  private readonly maxDeliveryCount: number
  private nextSequenceNumber = 1n
  private readonly available = new MinHeap<Entry>((a, b) => a.message.sequenceNumber < b.message.sequenceNumber)
  private readonly entries: Array<Entry> = []
  private readonly bySequenceNumber = new Map<bigint, Entry>()
  private readonly completedMessages: Array<EnqueuedMessage> = []
  private readonly deadLettered: Array<DeadLetteredMessage> = []
  private readonly listeners = new Set<() => void>()
  private activeCount = 0
  private lockedCount = 0

  constructor(maxDeliveryCount: number) {
    this.maxDeliveryCount = maxDeliveryCount
  }

  /** Messages neither completed nor dead-lettered. */
  get active(): number {
    return this.activeCount
  }

  /** Messages currently locked by a delivery. */
  get locked(): number {
    return this.lockedCount
  }

  get published(): ReadonlyArray<EnqueuedMessage> {
    return this.entries.map((entry) => entry.message)
  }

  get completed(): ReadonlyArray<EnqueuedMessage> {
    return [...this.completedMessages]
  }

  get deadLetters(): ReadonlyArray<DeadLetteredMessage> {
    return [...this.deadLettered]
  }

  /** Accepts a message and assigns it the next sequence number. */
  enqueue(messageId: (sequenceNumber: bigint) => string, body: unknown, enqueuedTime: DateTime.Utc): EnqueuedMessage {
    const sequenceNumber = this.nextSequenceNumber++
    const message: EnqueuedMessage = { messageId: messageId(sequenceNumber), body, sequenceNumber, enqueuedTime }
    const entry: Entry = { message, deliveryCount: 0, state: "available", holder: undefined, deferred: false }
    this.entries.push(entry)
    this.bySequenceNumber.set(sequenceNumber, entry)
    this.activeCount++
    this.available.push(entry)
    this.notify()
    return message
  }

  /** Locks and returns the available message with the lowest sequence number, if any. */
  take(): Delivery | undefined {
    const entry = this.available.pop()
    return entry === undefined ? undefined : this.lock(entry)
  }

  /**
   * Locks and returns deferred messages by sequence number, in the order asked; like Service Bus, refuses them all
   * when one is not there or not deferred (or already locked).
   */
  takeDeferred(sequenceNumbers: ReadonlyArray<bigint>): ReadonlyArray<Delivery> | DeferredRefusal {
    const entries: Array<Entry> = []
    for (const sequenceNumber of sequenceNumbers) {
      const entry = this.bySequenceNumber.get(sequenceNumber)
      if (entry === undefined || entry.state !== "deferred") return { sequenceNumber }
      entries.push(entry)
    }
    return entries.map((entry) => this.lock(entry))
  }

  complete(delivery: Delivery): SettleRefusal | undefined {
    const refusal = this.check(delivery)
    if (refusal !== undefined) return refusal
    this.unlock(delivery)
    delivery.entry.state = "completed"
    this.completedMessages.push(delivery.message)
    this.activeCount--
    this.notify()
    return undefined
  }

  abandon(delivery: Delivery): SettleRefusal | undefined {
    const refusal = this.check(delivery)
    if (refusal !== undefined) return refusal
    this.unlock(delivery)
    this.release(delivery.entry)
    return undefined
  }

  defer(delivery: Delivery): SettleRefusal | undefined {
    const refusal = this.check(delivery)
    if (refusal !== undefined) return refusal
    this.unlock(delivery)
    delivery.entry.deferred = true
    delivery.entry.state = "deferred"
    this.notify()
    return undefined
  }

  deadLetter(delivery: Delivery, reason: string, description: string): SettleRefusal | undefined {
    const refusal = this.check(delivery)
    if (refusal !== undefined) return refusal
    this.unlock(delivery)
    this.moveToDeadLetters(delivery.entry, reason, description)
    return undefined
  }

  /**
   * Ends the lock of a delivery nobody will settle (its receiver went away): the message comes back, counted as a
   * failed delivery. Does nothing once the delivery was settled or lost its lock.
   */
  releaseUnsettled(delivery: Delivery): void {
    if (this.check(delivery) !== undefined) return
    delivery.entry.holder = undefined
    delivery.entry.state = "available"
    this.lockedCount--
    this.release(delivery.entry)
  }

  /**
   * Takes up to `max` messages out of the dead-letter queue, oldest first, and accepts each again as a new message
   * (a new sequence number, the same message id and body), as an operator resubmitting them does. Returns how many.
   */
  resubmitDeadLetters(max: number, enqueuedTime: DateTime.Utc): number {
    const taken = this.deadLettered.splice(0, Math.max(0, max))
    for (const message of taken) this.enqueue(() => message.messageId, message.body, enqueuedTime)
    return taken.length
  }

  /** Deletes up to `max` messages of the dead-letter queue for good, oldest first. Returns how many. */
  purgeDeadLetters(max: number): number {
    const purged = this.deadLettered.splice(0, Math.max(0, max)).length
    if (purged > 0) this.notify()
    return purged
  }

  /** Expires every lock, as if the lock duration passed: settling those deliveries then fails with `LockLost`. */
  expireLocks(): number {
    let expired = 0
    for (const entry of this.entries) {
      if (entry.state !== "locked" || entry.holder === undefined) continue
      entry.holder = undefined
      entry.state = "available"
      this.lockedCount--
      this.release(entry)
      expired++
    }
    return expired
  }

  /** Whether `delivery` still holds its message's lock (not settled, not expired). */
  holdsLock(delivery: Delivery): boolean {
    return this.check(delivery) === undefined
  }

  /** Calls `listener` after every change (a message enqueued, released or settled) until the returned function runs. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** Runs the listeners without a change, e.g. so that waiting receivers notice an arranged fault. */
  wake(): void {
    this.notify()
  }

  private lock(entry: Entry): Delivery {
    const delivery = new Delivery(entry)
    entry.deliveryCount++
    entry.state = "locked"
    entry.holder = delivery
    this.lockedCount++
    return delivery
  }

  private check(delivery: Delivery): SettleRefusal | undefined {
    if (delivery.settled) return "AlreadySettled"
    if (delivery.entry.holder !== delivery) return "LockLost"
    return undefined
  }

  private unlock(delivery: Delivery): void {
    delivery.settled = true
    delivery.entry.holder = undefined
    this.lockedCount--
  }

  /** A released lock counts as a failed delivery attempt: the message comes back, or is dead-lettered past the limit. */
  private release(entry: Entry): void {
    if (entry.deliveryCount >= this.maxDeliveryCount) {
      this.moveToDeadLetters(
        entry,
        MAX_DELIVERY_COUNT_EXCEEDED,
        `Message could not be consumed after ${this.maxDeliveryCount} delivery attempts.`,
      )
      return
    }
    if (entry.deferred) {
      entry.state = "deferred"
    } else {
      entry.state = "available"
      this.available.push(entry)
    }
    this.notify()
  }

  private moveToDeadLetters(entry: Entry, reason: string, description: string): void {
    entry.state = "deadLettered"
    this.deadLettered.push({ ...entry.message, reason, description, deliveryCount: entry.deliveryCount })
    this.activeCount--
    this.notify()
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener()
  }
}
