import { Schema } from "effect"

/**
 * A sink could not store some records. It names exactly the records that did not land (by `SinkRecord.key`), so the
 * caller settles the others, and whether trying again may help (`transient`: throttling, timeouts, 5xx) or not
 * (rejected data, authorization).
 */
export class SinkWriteError extends Schema.TaggedError<SinkWriteError>()("SinkWriteError", {
  /** Which sink failed, e.g. `LogAnalytics` or `Archive`. */
  sink: Schema.String,
  /** The `key` of every record that did not land. */
  failedKeys: Schema.Array(Schema.String),
  transient: Schema.Boolean,
  message: Schema.String,
  cause: Schema.optional(Schema.Defect()),
}) {}
