import { Schema } from "effect"

/** The Log Analytics sink's configuration is unusable (names the offending setting). */
export class LogAnalyticsConfigError extends Schema.TaggedError<LogAnalyticsConfigError>()("LogAnalyticsConfigError", {
  message: Schema.String,
}) {}
