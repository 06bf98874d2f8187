import { Schema, SchemaGetter } from "effect"
import { JsonObject } from "../JsonObject.ts"
import { isKnownEventType } from "./EventType.ts"

/**
 * An event whose `event_type` is missing or not one this package knows. It is a valid message: it is archived with
 * its raw object but never becomes a `Resource`.
 */
export interface UnknownEvent {
  readonly _tag: "UnknownEvent"
  /** The `event_type` field when it is a string; `undefined` when it is missing or not a string. */
  readonly eventType: string | undefined
  /** The JSON object exactly as received. */
  readonly raw: JsonObject
}

export const makeUnknownEvent = (raw: JsonObject): UnknownEvent => {
  const eventType = raw.event_type
  return { _tag: "UnknownEvent", eventType: typeof eventType === "string" ? eventType : undefined, raw }
}

const isUnknownType = Schema.makeFilter<JsonObject>(
  (raw) => !isKnownEventType(raw.event_type) || `event_type ${JSON.stringify(raw.event_type)} is a known type`,
)

/** Codec: any JSON object whose `event_type` is not a known type <-> `UnknownEvent` (encodes back to `raw`). */
export const UnknownEvent = JsonObject.check(isUnknownType).pipe(
  Schema.decodeTo(
    Schema.TaggedStruct("UnknownEvent", { eventType: Schema.UndefinedOr(Schema.String), raw: JsonObject }),
    {
      decode: SchemaGetter.transform(makeUnknownEvent),
      encode: SchemaGetter.transform((event: UnknownEvent) => event.raw),
    },
  ),
)
