import { Schema } from "effect"

/** A message a sink could not store, with the reason from the service. */
export const FailedMessage = Schema.Struct({
  messageId: Schema.String,
  reason: Schema.String,
  /** HTTP status of the last attempt, when the service answered. */
  status: Schema.optionalKey(Schema.Number),
  /** Service error code (e.g. `InvalidStream`, `ContainerNotFound`), when given. */
  code: Schema.optionalKey(Schema.String),
})
export type FailedMessage = typeof FailedMessage.Type

/** Which input messages a write stored; the caller settles only `landed`. */
export interface SinkWriteResult {
  readonly landed: ReadonlyArray<string>
  readonly failed: ReadonlyArray<FailedMessage>
}

const listIds = (failed: ReadonlyArray<FailedMessage>): string => {
  const shown = failed.slice(0, 10).map((f) => f.messageId)
  return failed.length > shown.length
    ? `${shown.join(", ")} and ${failed.length - shown.length} more`
    : shown.join(", ")
}

/** Summarises failures for the error message: ids plus the distinct reasons. */
export const describeFailures = (sink: string, failed: ReadonlyArray<FailedMessage>, total: number): string => {
  const reasons = [...new Set(failed.map((f) => (f.status === undefined ? f.reason : `${f.status} ${f.reason}`)))]
  return `${sink}: ${failed.length} of ${total} messages were not stored (${listIds(failed)}): ${reasons.slice(0, 3).join("; ")}`
}
