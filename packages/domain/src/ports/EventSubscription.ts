import { Context, type DateTime, type Effect, Schema, type Stream } from "effect"
import type { BodyType } from "../DecodeLimits.ts"
import { busErrorReasons } from "./BusErrorReason.ts"
import { portErrorFields } from "./PortError.ts"
import type { Settlement } from "./Settlement.ts"

export const SettlementErrorReason = Schema.Literals([
  /** The peek-lock expired (or was lost with its link) before settlement: the broker will redeliver the message. */
  "LockLost",
  /** The message was already completed, abandoned or dead-lettered. */
  "AlreadySettled",
  /** The connection dropped while settling. */
  "Disconnected",
  "Unknown",
])
export type SettlementErrorReason = typeof SettlementErrorReason.Type

/** Settling a received message (a {@link Settlement}) failed. */
export class SettlementError extends Schema.TaggedError<SettlementError>()("SettlementError", {
  ...portErrorFields(SettlementErrorReason),
  messageId: Schema.String,
}) {}

export const SubscriptionErrorReason = Schema.Literals([
  ...busErrorReasons,
  /** The connection was lost and could not be re-established. */
  "Disconnected",
  /** A message asked for by sequence number is not there, or not deferred. */
  "MessageNotFound",
  "Unknown",
])
export type SubscriptionErrorReason = typeof SubscriptionErrorReason.Type

/** Receiving from the subscription failed. */
export class SubscriptionError extends Schema.TaggedError<SubscriptionError>()(
  "SubscriptionError",
  portErrorFields(SubscriptionErrorReason),
) {}

/** A message received in peek-lock mode, with the effects that settle it. Settle each message exactly once. */
export interface ReceivedMessage {
  readonly messageId: string
  /** The body as the SDK hands it over: a parsed JSON value, a string, or bytes. Decode with `decodeMessageBody`. */
  readonly body: unknown
  /** The AMQP body section the body came in, when the bus knows it (pass it to `decodeMessageBody`). */
  readonly bodyType?: BodyType | undefined
  /** How many times the broker delivered this message, as the SDK reports it. */
  readonly deliveryCount: number
  readonly enqueuedTime: DateTime.Utc
  readonly sequenceNumber: bigint
  /** Settles the message as decided; `complete`, `abandon`, `deadLetter` and `defer` are this with each settlement. */
  readonly settle: (settlement: Settlement) => Effect.Effect<void, SettlementError>
  /** Removes the message from the subscription: only after every sink confirmed it. */
  readonly complete: Effect.Effect<void, SettlementError>
  /** Releases the lock so the broker redelivers the message (delivery count + 1). */
  readonly abandon: Effect.Effect<void, SettlementError>
  /** Moves the message to the dead-letter queue with a reason (`InvalidJson`, …) and a description of the problem. */
  readonly deadLetter: (reason: string, description: string) => Effect.Effect<void, SettlementError>
  /**
   * Sets the message aside: it is not delivered again until received by its sequence number
   * (`EventSubscription.receiveDeferred`), so keep the number.
   */
  readonly defer: Effect.Effect<void, SettlementError>
  /**
   * Extends the message's peek lock (the delivery count is unchanged) and answers when the renewed lock ends. A
   * consumer holding a message on purpose (through a sink outage) renews it before that time; a closing receiver
   * then waits for the message until it is settled or that lock lapses, instead of handing it back after its grace.
   */
  readonly renewLock: Effect.Effect<DateTime.Utc, SettlementError>
}

/**
 * The orchestrator's subscription (by default `orchestrator-sub` on `agent-logs`: `BusEntityNames.ts`) as a stream
 * of peek-locked messages.
 */
export class EventSubscription extends Context.Service<
  EventSubscription,
  {
    /** Messages in broker order; the stream ends only on interruption or failure. */
    readonly messages: Stream.Stream<ReceivedMessage, SubscriptionError>
    /**
     * Receives deferred messages by sequence number, locked like any delivery (delivery count + 1), in the order
     * asked. Fails as a whole with `MessageNotFound` when one of them is not there or not deferred.
     */
    readonly receiveDeferred: (
      sequenceNumbers: ReadonlyArray<bigint>,
    ) => Effect.Effect<ReadonlyArray<ReceivedMessage>, SubscriptionError>
    /**
     * Checks, receiving nothing, that the subscription can be read now (the namespace answers, takes the credential
     * and has the entity). The worker checks before it reports ready, and before it reconnects after a failure.
     */
    readonly check: Effect.Effect<void, SubscriptionError>
  }
>()("@haymaker/domain/ports/EventSubscription") {}
