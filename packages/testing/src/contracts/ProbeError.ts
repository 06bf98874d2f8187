import { Schema } from "effect"

/** A contract probe could not observe the peer (e.g. reading the dead-letter queue or the stored rows failed). */
export class ProbeError extends Schema.TaggedError<ProbeError>()("ProbeError", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect()),
}) {}
