import { Schema } from "effect"
import { snakeCaseStruct } from "../wire/SnakeCaseStruct.ts"

/**
 * The one schema of an event type: its domain form (`_tag`, camelCase fields) and its wire form (`event_type`,
 * snake_case keys), with each field's own decoding (timestamps, `null` as absent) in between.
 */
export const eventCodec = <
  const Tag extends string,
  const EventType extends string,
  const Fields extends Schema.Struct.Fields,
>(
  tag: Tag,
  eventType: EventType,
  fields: Fields,
) => snakeCaseStruct({ _tag: Schema.Literal(eventType).transform(tag), ...fields }, { _tag: "event_type" })
