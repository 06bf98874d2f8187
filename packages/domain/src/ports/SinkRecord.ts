import type { DateTime, Option } from "effect"
import type { AgentEvent } from "../events/AgentEvent.ts"
import type { JsonObject } from "../JsonObject.ts"
import type { Resource } from "../Resource.ts"

/** One decoded message, as the sinks receive it: enough to build a Log Analytics row and an archive line. */
export interface SinkRecord {
  /**
   * The broker's identity of the message: its sequence number, as decimal text. Every sink tags its copies and names
   * its failures with it: a redelivery of a message has the same key (readers drop the copy it adds by that key),
   * while two events that share a message id do not.
   */
  readonly key: string
  /** The message id as the publisher set it (non-string ids rendered losslessly); not unique. */
  readonly messageId: string
  readonly sequenceNumber: bigint
  readonly enqueuedTime: DateTime.Utc
  readonly event: AgentEvent
  /** The resource the event describes, for resource events; `None` for log and unknown events. */
  readonly resource: Option.Option<Resource>
  /** The JSON object exactly as received (archived verbatim). */
  readonly raw: JsonObject
}

/** The `key` of the record of a message with this sequence number. */
export const sinkRecordKey = (sequenceNumber: bigint): string => sequenceNumber.toString()
