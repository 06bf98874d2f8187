import { Schema } from "effect"

/** Azure resource tags: string keys, string values. */
export const Tags = Schema.Record(Schema.String, Schema.String)
