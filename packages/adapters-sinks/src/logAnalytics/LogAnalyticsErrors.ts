import { Schema } from "effect"
import { describeFailures, FailedMessage, type SinkWriteResult } from "../SinkResult.ts"

/**
 * Some messages did not reach Log Analytics after the SDK's retries (429/503 honouring Retry-After, 408/5xx with
 * backoff). `failed` names exactly those messages; `landed` the ones stored by the same call, which may be settled.
 */
export class LogAnalyticsWriteError extends Schema.TaggedError<LogAnalyticsWriteError>()("LogAnalyticsWriteError", {
  message: Schema.String,
  landed: Schema.Array(Schema.String),
  failed: Schema.Array(FailedMessage),
}) {
  static fromResult(result: SinkWriteResult, total: number): LogAnalyticsWriteError {
    return new LogAnalyticsWriteError({
      message: describeFailures("Log Analytics", result.failed, total),
      landed: [...result.landed],
      failed: [...result.failed],
    })
  }
}

/** The sink's configuration is unusable (names the offending setting). */
export class LogAnalyticsConfigError extends Schema.TaggedError<LogAnalyticsConfigError>()("LogAnalyticsConfigError", {
  message: Schema.String,
}) {}
