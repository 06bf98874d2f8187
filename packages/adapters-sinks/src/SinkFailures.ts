import { SinkWriteError } from "@haymaker/domain"

/** A record a sink could not store, with what the service said. */
export interface FailedMessage {
  /** The record's `key` (the message's sequence number). */
  readonly key: string
  readonly reason: string
  /** HTTP status of the last attempt, when the service answered. */
  readonly status?: number
  /** Service error code (e.g. `InvalidStream`, `ContainerNotFound`), when given. */
  readonly code?: string
}

interface RestErrorLike {
  readonly statusCode?: unknown
  readonly code?: unknown
  readonly message?: unknown
}

/**
 * Reads status, code and the first line of the message of an SDK error. Only those: a RestError also carries the
 * request, whose URL holds the SAS token when one is used, so the error object itself is never kept or logged.
 */
export const failureOf = (key: string, cause: unknown): FailedMessage => {
  const error = (typeof cause === "object" && cause !== null ? cause : {}) as RestErrorLike
  const message = typeof error.message === "string" && error.message !== "" ? error.message : String(cause)
  return {
    key,
    reason: message.split("\n")[0] ?? message,
    ...(typeof error.statusCode === "number" ? { status: error.statusCode } : {}),
    ...(typeof error.code === "string" ? { code: error.code } : {}),
  }
}

/** Throttling, timeouts, server errors and network failures (no status) may pass on a later try. */
export const isTransient = (failure: FailedMessage): boolean =>
  failure.status === undefined ||
  failure.status === 408 ||
  failure.status === 429 ||
  (failure.status >= 500 && failure.status !== 501 && failure.status !== 505)

const listKeys = (failed: ReadonlyArray<FailedMessage>): string => {
  const shown = failed.slice(0, 10).map((f) => f.key)
  return failed.length > shown.length
    ? `${shown.join(", ")} and ${failed.length - shown.length} more`
    : shown.join(", ")
}

/**
 * The port's error for failed messages. `transient` is true unless every failure is permanent: a permanent failure
 * that is retried anyway ends in the dead-letter queue after MaxDeliveryCount, while a transient one wrongly called
 * permanent would be dead-lettered at once. `cause` keeps the per-message failures (status, code, reason).
 */
export const sinkWriteError = (sink: string, failed: ReadonlyArray<FailedMessage>, total: number): SinkWriteError => {
  const reasons = [...new Set(failed.map((f) => (f.status === undefined ? f.reason : `${f.status} ${f.reason}`)))]
  return new SinkWriteError({
    sink,
    failedKeys: failed.map((f) => f.key),
    transient: failed.some(isTransient),
    message: `${sink}: ${failed.length} of ${total} messages were not stored (sequence numbers ${listKeys(failed)}): ${reasons.slice(0, 3).join("; ")}`,
    cause: failed,
  })
}
