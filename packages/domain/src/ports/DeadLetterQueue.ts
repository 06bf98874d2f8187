import { Context, type DateTime, type Effect, Schema } from "effect"
import type { BodyType } from "../DecodeLimits.ts"
import { busErrorReasons } from "./BusErrorReason.ts"
import { portErrorFields } from "./PortError.ts"

/** A message in the subscription's dead-letter queue. */
export interface DeadLetter {
  readonly messageId: string
  /** The broker's sequence number of the message (it keeps the one it had in the subscription). */
  readonly sequenceNumber: bigint
  /** The body as the bus hands it over; decode with `decodeMessageBody`. */
  readonly body: unknown
  /** The AMQP body section the body came in, when the bus knows it. */
  readonly bodyType?: BodyType | undefined
  /** Why it was dead-lettered (`InvalidJson`, `SinkRejected`, `MaxDeliveryCountExceeded`, …), when it says. */
  readonly reason: string | undefined
  readonly description: string | undefined
  /** The deliveries the message had before it was dead-lettered. */
  readonly deliveryCount: number
  readonly enqueuedTime: DateTime.Utc
}

export const DeadLetterQueueErrorReason = Schema.Literals([...busErrorReasons, "Unknown"])
export type DeadLetterQueueErrorReason = typeof DeadLetterQueueErrorReason.Type

/** Reading or repairing the dead-letter queue failed. */
export class DeadLetterQueueError extends Schema.TaggedError<DeadLetterQueueError>()(
  "DeadLetterQueueError",
  portErrorFields(DeadLetterQueueErrorReason),
) {}

/** The dead-letter queue of the orchestrator's subscription, for operators: look, send back, or delete. */
export class DeadLetterQueue extends Context.Service<
  DeadLetterQueue,
  {
    /** Where the queue is, for the operator (`agent-logs/Subscriptions/orchestrator-sub/$DeadLetterQueue`). */
    readonly description: string
    /** Up to `max` dead-lettered messages, oldest first, read without locking or removing them. */
    readonly peek: (max: number) => Effect.Effect<ReadonlyArray<DeadLetter>, DeadLetterQueueError>
    /**
     * Sends the messages dead-lettered when it starts (at most `max`) to the topic again (same body, properties and
     * message id), then removes each from the queue, so a crash in between leaves a duplicate, never a loss.
     * Messages dead-lettered while it runs (a worker may dead-letter again what was just sent back) stay where they
     * are: it ends after one pass. Returns how many it moved.
     */
    readonly resubmit: (max: number) => Effect.Effect<number, DeadLetterQueueError>
    /** Deletes up to `max` dead-lettered messages for good; returns how many. */
    readonly purge: (max: number) => Effect.Effect<number, DeadLetterQueueError>
  }
>()("@haymaker/domain/ports/DeadLetterQueue") {}
