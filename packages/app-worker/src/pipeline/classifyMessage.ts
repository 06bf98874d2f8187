import {
  type DecodeLimits,
  decodeAgentEvent,
  defaultDecodeLimits,
  isResourceEvent,
  type MessageDecodeError,
  parseMessageJson,
  type ReceivedMessage,
  resourceFromEvent,
  type SinkRecord,
  sinkRecordKey,
} from "@haymaker/domain"
import { type DateTime, Option, Result } from "effect"

/** A received message either decodes into what the sinks store, or is invalid and must be settled as such. */
export type ClassifiedMessage =
  | { readonly _tag: "Valid"; readonly message: ReceivedMessage; readonly record: SinkRecord }
  | { readonly _tag: "Invalid"; readonly message: ReceivedMessage; readonly error: MessageDecodeError }

/** Decodes the body once and keeps both the raw object (archived verbatim) and the typed event. */
export const classifyMessage = (
  message: ReceivedMessage,
  now: DateTime.Utc,
  limits: DecodeLimits = defaultDecodeLimits,
): ClassifiedMessage => {
  const json = parseMessageJson(message.body, { limits, bodyType: message.bodyType })
  if (Result.isFailure(json)) return { _tag: "Invalid", message, error: json.failure }
  const event = decodeAgentEvent(json.success)
  if (Result.isFailure(event)) return { _tag: "Invalid", message, error: event.failure }
  return {
    _tag: "Valid",
    message,
    record: {
      key: sinkRecordKey(message.sequenceNumber),
      messageId: message.messageId,
      sequenceNumber: message.sequenceNumber,
      enqueuedTime: message.enqueuedTime,
      event: event.success,
      resource: isResourceEvent(event.success) ? Option.some(resourceFromEvent(event.success, now)) : Option.none(),
      raw: json.success,
    },
  }
}
