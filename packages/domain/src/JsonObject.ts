import { Schema } from "effect"

/** A JSON object (`details` of a log event, the raw body of an unknown event). */
export const JsonObject = Schema.Record(Schema.String, Schema.Unknown)
export type JsonObject = typeof JsonObject.Type
