import { Context, type Effect, Schema } from "effect"
import type { AgentEvent } from "../events/AgentEvent.ts"
import { busErrorReasons } from "./BusErrorReason.ts"
import { portErrorFields } from "./PortError.ts"

/** Why publishing failed, in terms an operator can act on (adapters map SDK error codes onto these). */
export const PublishErrorReason = Schema.Literals([
  ...busErrorReasons,
  /** An event (or a batch) exceeds the broker's maximum message size. */
  "MessageTooLarge",
  /** The broker did not answer in time, or asked the client to back off. */
  "Timeout",
  "Unknown",
])
export type PublishErrorReason = typeof PublishErrorReason.Type

export class PublishError extends Schema.TaggedError<PublishError>()(
  "PublishError",
  portErrorFields(PublishErrorReason),
) {
  /** Whether trying again later may succeed. */
  get retryable(): boolean {
    return this.reason === "ConnectionRefused" || this.reason === "Timeout"
  }
}

/** Publishes agent events to the bus (by default the topic `agent-logs`: `BusEntityNames.ts`). */
export class EventPublisher extends Context.Service<
  EventPublisher,
  {
    /** Publishes one event; succeeds once the broker accepted it. */
    readonly publish: (event: AgentEvent) => Effect.Effect<void, PublishError>
    /**
     * Publishes several events, batched as the broker allows. Succeeds once every event was accepted; on failure
     * some events may already have been published (at-least-once: consumers de-duplicate by message id).
     */
    readonly publishAll: (events: ReadonlyArray<AgentEvent>) => Effect.Effect<void, PublishError>
  }
>()("@haymaker/domain/ports/EventPublisher") {}
