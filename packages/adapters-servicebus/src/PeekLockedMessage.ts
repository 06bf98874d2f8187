import type { ServiceBusReceivedMessage, ServiceBusReceiver } from "@azure/service-bus"
import { type BodyType, type ReceivedMessage, Settlement, SettlementError } from "@haymaker/domain"
import { DateTime, Effect } from "effect"
import { type Held, HeldMessages } from "./HeldMessages.ts"
import { type DebugLog, makeDebugLog } from "./Logging.ts"
import { bigintOfLong } from "./MessageEncoding.ts"
import { renderMessageId } from "./MessageId.ts"
import { toSettlementError } from "./PortErrors.ts"
import { operationOf, settledAs, settleWithSdk } from "./SdkSettlement.ts"
import { type FailureContext, fromSdkError } from "./ServiceBusErrors.ts"
import { SettlementGate } from "./SettlementGate.ts"

/** What the messages of one receiver share. */
export interface ReceiverShared {
  readonly entityPath: string
  readonly failureContext: (operation: string) => FailureContext
  readonly held: HeldMessages
  /** Keeps settlements of different kinds out of one event-loop turn (rhea's disposition ranges: SettlementGate.ts). */
  readonly gate: SettlementGate
  readonly debug: DebugLog | undefined
}

/** What the messages of a receiver on the subscription `entityPath` at `host` share: a held set and a gate of its own. */
export const makeReceiverShared = (entityPath: string, host: string): Effect.Effect<ReceiverShared> =>
  Effect.map(makeDebugLog, (debug) => ({
    entityPath,
    failureContext: (operation) => ({ host, entityPath, operation }),
    held: new HeldMessages(),
    gate: new SettlementGate(),
    debug,
  }))

/** The event type a message says it carries, for log lines. */
export const eventTypeOf = (message: ServiceBusReceivedMessage): string => {
  const fromProperties = message.applicationProperties?.event_type
  if (typeof fromProperties === "string") return fromProperties
  return message.subject ?? "unknown"
}

/**
 * A message delivered under a peek lock, as the subscription port (and the Promise API) sees it: the one place a
 * message is settled. A settlement goes through the receiver's gate straight to the SDK's promise, with no fiber
 * and no effect chain beyond the one the consumer runs; fields a consumer may never read (enqueued time, sequence
 * number, body type) are computed on access, which costs less than building them for every message.
 */
export class PeekLockedMessage implements ReceivedMessage, Held {
  readonly messageId: string
  readonly body: unknown
  readonly deliveryCount: number
  #giveUpAt: number
  #kept = false
  readonly releaseSlot: () => void
  readonly #shared: ReceiverShared
  readonly #receiver: ServiceBusReceiver
  readonly #message: ServiceBusReceivedMessage
  #settled = false
  /** When the lock lapses unless renewed (epoch ms). */
  #lockedUntil: number
  /** Until when the lock is kept renewed (epoch ms); 0 once a renewal failed. */
  #renewUntil: number
  /** How long before it lapses the lock is renewed. */
  readonly #renewLead: number
  #renewing = false

  /** `renewUntil` and `renewLead`: see {@link renewIfDue}; a message without them is not renewed. */
  constructor(
    shared: ReceiverShared,
    receiver: ServiceBusReceiver,
    message: ServiceBusReceivedMessage,
    giveUpAt: number,
    releaseSlot: () => void,
    renewUntil = 0,
    renewLead = 0,
  ) {
    this.#shared = shared
    this.#receiver = receiver
    this.#message = message
    this.messageId = renderMessageId(message.messageId)
    this.body = message.body
    this.deliveryCount = message.deliveryCount ?? 0
    this.#giveUpAt = giveUpAt
    this.releaseSlot = releaseSlot
    this.#lockedUntil = message.lockedUntilUtc?.getTime() ?? 0
    this.#renewUntil = renewUntil
    this.#renewLead = renewLead
  }

  get giveUpAt(): number {
    return this.#giveUpAt
  }

  get kept(): boolean {
    return this.#kept
  }

  get bodyType(): BodyType | undefined {
    return this.#message._rawAmqpMessage?.bodyType
  }

  get enqueuedTime(): DateTime.Utc {
    return DateTime.fromDateUnsafe(this.#message.enqueuedTimeUtc ?? new Date())
  }

  get sequenceNumber(): bigint {
    const sequenceNumber = this.#message.sequenceNumber
    return sequenceNumber === undefined ? 0n : bigintOfLong(sequenceNumber)
  }

  settle(settlement: Settlement): Effect.Effect<void, SettlementError> {
    return Effect.callback((resume) => {
      if (this.#settled) return resume(Effect.fail(this.#alreadySettled()))
      this.#settled = true
      this.#shared.gate.submit(settlement._tag, () =>
        this.#send(settlement, (failure) => resume(failure === undefined ? Effect.void : Effect.fail(failure))),
      )
    })
  }

  get complete(): Effect.Effect<void, SettlementError> {
    return this.settle(Settlement.complete)
  }

  get abandon(): Effect.Effect<void, SettlementError> {
    return this.settle(Settlement.abandon)
  }

  deadLetter(reason: string, description: string): Effect.Effect<void, SettlementError> {
    return this.settle(Settlement.deadLetter(reason, description))
  }

  get defer(): Effect.Effect<void, SettlementError> {
    return this.settle(Settlement.defer)
  }

  get renewLock(): Effect.Effect<DateTime.Utc, SettlementError> {
    return Effect.suspend(() => {
      if (this.#settled) return Effect.fail(this.#alreadySettled())
      return Effect.tryPromise({
        try: () => this.#receiver.renewMessageLock(this.#message),
        catch: (cause) =>
          toSettlementError(fromSdkError(cause, this.#shared.failureContext("renew the lock of")), this.messageId),
      }).pipe(
        Effect.map((lockedUntil) => {
          this.#lockedUntil = Math.max(this.#lockedUntil, lockedUntil.getTime())
          // Held on purpose from now on: a closing receiver waits for it until its lock lapses (and a second for drift).
          this.#kept = true
          this.#giveUpAt = Math.max(this.#giveUpAt, lockedUntil.getTime() + 1_000)
          return DateTime.fromDateUnsafe(lockedUntil)
        }),
      )
    })
  }

  /**
   * Renews the lock when it lapses within the lead, until `renewUntil`: the receiver's sweep calls this for every
   * held message. (The SDK's own renewal keeps a timer per message and formats dates for its log on every delivery,
   * which cost a sixth of the CPU of receiving and completing one.) A failed renewal ends renewal for the message:
   * its settlement then fails with `LockLost`, as it would with the SDK's renewal.
   */
  renewIfDue(now: number): void {
    if (this.#settled || this.#renewing || now >= this.#renewUntil || this.#lockedUntil - now > this.#renewLead) return
    this.#renewing = true
    const renewed = this.#receiver.renewMessageLock(this.#message)
    renewed.then(
      (lockedUntil) => {
        this.#renewing = false
        this.#lockedUntil = Math.max(this.#lockedUntil, lockedUntil.getTime())
      },
      (cause: unknown) => {
        this.#renewing = false
        this.#renewUntil = 0
        const shared = this.#shared
        shared.debug?.(
          `Renewing the lock of message ${this.messageId} failed: ${fromSdkError(cause, shared.failureContext("renew the lock of")).message}`,
        )
      },
    )
  }

  abandonQuietly(): void {
    if (this.#settled) {
      // Settled, its acknowledgement still on the way: nothing more is owed, and the receiver is closing.
      this.#shared.held.release(this)
      return
    }
    this.#settled = true
    this.#shared.gate.submit("Abandon", () => this.#send(Settlement.abandon, () => undefined))
  }

  /** Issues the SDK call; the slot is freed once the broker answered, before the caller hears of it. */
  #send(settlement: Settlement, done: (failure: SettlementError | undefined) => void): void {
    const shared = this.#shared
    let sent: Promise<void>
    try {
      sent = settleWithSdk(this.#receiver, this.#message, settlement)
    } catch (cause) {
      sent = Promise.reject(cause)
    }
    sent.then(
      () => {
        shared.held.release(this)
        shared.debug?.(`Message ${this.messageId} (${eventTypeOf(this.#message)}) ${settledAs[settlement._tag]}`)
        done(undefined)
      },
      (cause: unknown) => {
        shared.held.release(this)
        const error = fromSdkError(cause, shared.failureContext(operationOf[settlement._tag]))
        done(toSettlementError(error, this.messageId))
      },
    )
  }

  #alreadySettled(): SettlementError {
    return new SettlementError({
      reason: "AlreadySettled",
      messageId: this.messageId,
      message: `Message ${this.messageId} from ${this.#shared.entityPath} was already settled; settle each message exactly once`,
    })
  }
}
