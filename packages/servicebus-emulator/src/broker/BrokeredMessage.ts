import type { PropertyEdits, SqlMessage } from "../sql/index.ts"
import type { Deadline } from "./DeadlineQueue.ts"

/** The message properties rules filter on (Service Bus "system properties" plus application properties). */
export interface MessageRouting {
  readonly messageId: string
  readonly correlationId: string | undefined
  readonly to: string | undefined
  readonly subject: string | undefined
  readonly replyTo: string | undefined
  readonly replyToSessionId: string | undefined
  readonly sessionId: string | undefined
  readonly contentType: string | undefined
  readonly applicationProperties: Readonly<Record<string, unknown>>
}

/**
 * What the broker needs to know about a message it stores. The wire form stays with the protocol layer (the AMQP
 * codec keeps the encoded bare message and re-encodes only header and annotations on delivery).
 */
export interface Payload {
  readonly routing: MessageRouting
  /** `routing.sessionId`, cheaper to read (session-enabled stores read it for every message). */
  readonly sessionId: string | undefined
  /** The message as SQL filters and rule actions read it (typed application properties). */
  readonly sql: SqlMessage
  /** The copy of this message that a rule action puts into its subscription. */
  withEdits(edits: PropertyEdits): Payload
  /** Time to live requested by the sender, if any. */
  readonly timeToLiveMs: number | undefined
  /** A send carrying a scheduled enqueue time in the future is scheduled instead of enqueued. */
  readonly scheduledEnqueueTimeMs: number | undefined
  readonly sizeInBytes: number
}

export type MessageState = "active" | "deferred" | "scheduled"

export interface Lock {
  readonly token: number
  lockedUntilMs: number
  deadline: Deadline | undefined
}

/** One copy of a message in one store (a queue, a subscription, or a dead-letter sub-queue). */
export class BrokeredMessage {
  readonly sequenceNumber: number
  readonly payload: Payload
  enqueuedTimeMs: number
  expiresAtMs: number
  /** How many times the message has been handed to a receiver; the AMQP header carries the value before delivery. */
  deliveryCount = 0
  state: MessageState
  lock: Lock | undefined = undefined
  /** Application properties changed by abandon/defer/dead-letter (`propertiesToModify`, dead-letter reason). */
  propertyOverrides: Record<string, unknown> | undefined = undefined
  deadLetterSource: string | undefined = undefined
  /** TTL elapsed while the message was locked: it expires as soon as the lock is released. */
  expiredWhileLocked = false
  /** TTL expiry, or the scheduled enqueue time while `state` is "scheduled". */
  timer: Deadline | undefined = undefined
  /** Hops through ForwardTo chains; Azure stops at four. */
  readonly hops: number

  constructor(
    sequenceNumber: number,
    payload: Payload,
    enqueuedTimeMs: number,
    expiresAtMs: number,
    state: MessageState,
    hops: number,
  ) {
    this.sequenceNumber = sequenceNumber
    this.payload = payload
    this.enqueuedTimeMs = enqueuedTimeMs
    this.expiresAtMs = expiresAtMs
    this.state = state
    this.hops = hops
  }

  /** Application properties as a receiver sees them (original plus broker-applied changes). */
  applicationProperties(): Readonly<Record<string, unknown>> {
    return this.propertyOverrides === undefined
      ? this.payload.routing.applicationProperties
      : { ...this.payload.routing.applicationProperties, ...this.propertyOverrides }
  }

  modifyProperties(properties: Readonly<Record<string, unknown>> | undefined): void {
    if (properties === undefined) return
    const entries = Object.entries(properties).filter(([, value]) => value !== undefined)
    if (entries.length === 0) return
    this.propertyOverrides = { ...this.propertyOverrides, ...Object.fromEntries(entries) }
  }
}
