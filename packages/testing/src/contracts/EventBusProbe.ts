import { Context, type Effect } from "effect"
import type { ProbeError } from "./ProbeError.ts"

/** A message found in the dead-letter queue of the subscription under test. */
export interface ProbedDeadLetter {
  readonly messageId: string
  /** The body as received from the dead-letter queue; decode with `decodeMessageBody`. */
  readonly body: unknown
  /** `DeadLetterReason`, when the message carries one. */
  readonly reason: string | undefined
  /** `DeadLetterErrorDescription`, when the message carries one. */
  readonly description: string | undefined
  /** The deliveries the message had before it was dead-lettered. */
  readonly deliveryCount: number
}

/**
 * What the event bus contract needs to observe beyond the ports: the dead-letter queue. An adapter's test provides it
 * next to its `EventPublisher` and `EventSubscription`, e.g. by peeking `<topic>/Subscriptions/<sub>/$DeadLetterQueue`
 * with the SDK.
 */
export class EventBusProbe extends Context.Service<
  EventBusProbe,
  {
    /** Every message now in the subscription's dead-letter queue, read without removing it. */
    readonly deadLetters: Effect.Effect<ReadonlyArray<ProbedDeadLetter>, ProbeError>
  }
>()("@haymaker/testing/contracts/EventBusProbe") {}
