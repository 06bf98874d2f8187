import type { DateTime, Option } from "effect"
import type { AgentEvent } from "../events/AgentEvent.ts"
import type { JsonObject } from "../events/AgentLogEvent.ts"
import type { Resource } from "../Resource.ts"

/** One decoded message, as the sinks receive it: enough to build a Log Analytics row and an archive line. */
export interface SinkRecord {
  /** The broker's message id: the idempotency key of every sink. */
  readonly messageId: string
  readonly sequenceNumber: bigint
  readonly enqueuedTime: DateTime.Utc
  readonly event: AgentEvent
  /** The resource the event describes, for resource events; `None` for log and unknown events. */
  readonly resource: Option.Option<Resource>
  /** The JSON object exactly as received (archived verbatim). */
  readonly raw: JsonObject
}
