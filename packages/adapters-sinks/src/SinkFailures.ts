import { type SinkFailureKind, SinkWriteError } from "@haymaker/domain"

/** A record a sink could not store, with what the service said. */
export interface FailedMessage {
  /** The record's `key` (the message's sequence number). */
  readonly key: string
  readonly reason: string
  /** HTTP status of the last attempt, when the service answered. */
  readonly status?: number
  /** Service error code (e.g. `InvalidStream`, `ContainerNotFound`), when given. */
  readonly code?: string
  /** Set where the sink knows the kind better than a status tells (a record it could not encode). */
  readonly kind?: SinkFailureKind
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

/**
 * The kind of a failure from its HTTP status: throttling, timeouts, conflicts, server errors and network failures (no
 * status) may pass on a later try; 401/403/404 (credentials, permissions, a missing rule, stream or container) and
 * 501/505 are the deployment's to fix; any other 4xx refuses the data sent.
 */
export const kindOf = (failure: FailedMessage): SinkFailureKind => {
  if (failure.kind !== undefined) return failure.kind
  const status = failure.status
  if (status === undefined || status === 408 || status === 409 || status === 429) return "Transient"
  if (status === 401 || status === 403 || status === 404 || status === 501 || status === 505) return "Unavailable"
  return status >= 500 ? "Transient" : "Rejected"
}

/** Throttling, timeouts, server errors and network failures (no status) may pass on a later try. */
export const isTransient = (failure: FailedMessage): boolean => kindOf(failure) === "Transient"

/** A record whose JSON could not be produced (e.g. `Maximum call stack size exceeded`): refused, alone. */
export const unencodable = (key: string, cause: unknown): FailedMessage => ({
  key,
  reason: `the record cannot be written as JSON (${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)})`,
  kind: "Rejected",
})

/** What `JSON.stringify` throws for a value, or `undefined` when it can write it. */
export const jsonProblem = (value: unknown): unknown => {
  try {
    JSON.stringify(value)
    return undefined
  } catch (error) {
    return error
  }
}

/** A probe's failure: the sink as a whole is not usable now (it names no record). */
export const probeError = (sink: string, cause: unknown): SinkWriteError => {
  const failure = failureOf("", cause)
  const status =
    failure.status === undefined ? "" : `${failure.status}${failure.code === undefined ? "" : ` ${failure.code}`} `
  return new SinkWriteError({
    sink,
    failedKeys: [],
    kind: kindOf(failure),
    message: `${sink} is not usable: ${status}${failure.reason}`,
    cause: [failure],
  })
}

/** When kinds mix, the one that gives up least: `Unavailable`, then `Transient`, then `Rejected`. */
const kindOfAll = (failed: ReadonlyArray<FailedMessage>): SinkFailureKind => {
  const kinds = new Set(failed.map(kindOf))
  return kinds.has("Unavailable") ? "Unavailable" : kinds.has("Transient") ? "Transient" : "Rejected"
}

const listKeys = (failed: ReadonlyArray<FailedMessage>): string => {
  const shown = failed.slice(0, 10).map((f) => f.key)
  return failed.length > shown.length
    ? `${shown.join(", ")} and ${failed.length - shown.length} more`
    : shown.join(", ")
}

/**
 * The port's error for failed messages. Its kind is the one that gives up least (see `kindOfAll`): a refused record
 * retried anyway costs a retry, while a transient failure wrongly called a refusal would be dead-lettered at once.
 * `cause` keeps the per-message failures (status, code, reason).
 */
export const sinkWriteError = (sink: string, failed: ReadonlyArray<FailedMessage>, total: number): SinkWriteError => {
  const reasons = [
    ...new Set(
      failed.map((f) =>
        f.status === undefined ? f.reason : `${f.status}${f.code === undefined ? "" : ` ${f.code}`} ${f.reason}`,
      ),
    ),
  ]
  return new SinkWriteError({
    sink,
    failedKeys: failed.map((f) => f.key),
    kind: kindOfAll(failed),
    message: `${sink}: ${failed.length} of ${total} messages were not stored (sequence numbers ${listKeys(failed)}): ${reasons.slice(0, 3).join("; ")}`,
    cause: failed,
  })
}
