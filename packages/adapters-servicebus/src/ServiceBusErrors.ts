import { isServiceBusError } from "@azure/service-bus"
import { Data, Predicate } from "effect"

/**
 * Typed failures of the Service Bus adapters. Every class carries a stable `_tag` (for `Effect.catchTag`) and a
 * `code` (for Promise callers' `switch`), and its message names the entity and what to check, never a secret.
 */

/** The namespace host refused the TCP connection: nothing listens there, or a firewall rejects it. */
export class ServiceBusConnectionRefused extends Data.TaggedError("ServiceBusConnectionRefused")<{
  readonly code: "ConnectionRefused"
  readonly host: string
  readonly message: string
  readonly cause?: unknown
}> {}

/** The credential was rejected, or lacks the Send/Listen claim on the entity. */
export class ServiceBusUnauthorized extends Data.TaggedError("ServiceBusUnauthorized")<{
  readonly code: "UnauthorizedAccess"
  readonly entityPath: string
  readonly message: string
  readonly cause?: unknown
}> {}

/** The topic, queue or subscription does not exist in the namespace. */
export class ServiceBusEntityNotFound extends Data.TaggedError("ServiceBusEntityNotFound")<{
  readonly code: "MessagingEntityNotFound"
  readonly entityPath: string
  readonly message: string
  readonly cause?: unknown
}> {}

/** An event whose encoded message exceeds the largest message the entity accepts; retrying cannot help. */
export class EventTooLarge extends Data.TaggedError("EventTooLarge")<{
  readonly code: "MessageSizeExceeded"
  readonly entityPath: string
  readonly eventType: string
  readonly sizeInBytes: number
  readonly maxSizeInBytes: number
  readonly message: string
}> {}

/** Any other failure reported by the SDK or the broker, with the SDK's code (`ServiceBusy`, `ServiceTimeout`, …). */
export class ServiceBusOperationFailed extends Data.TaggedError("ServiceBusOperationFailed")<{
  readonly code: string
  readonly entityPath: string
  readonly operation: string
  readonly retryable: boolean
  readonly message: string
  readonly cause?: unknown
}> {}

/** The client was closed before (or while) the operation ran. */
export class ServiceBusClientClosed extends Data.TaggedError("ServiceBusClientClosed")<{
  readonly code: "ClientClosed"
  readonly entityPath: string
  readonly message: string
}> {}

export type ServiceBusAdapterError =
  | ServiceBusConnectionRefused
  | ServiceBusUnauthorized
  | ServiceBusEntityNotFound
  | EventTooLarge
  | ServiceBusOperationFailed
  | ServiceBusClientClosed

/** Where a failure happened, for the error's message. */
export interface FailureContext {
  readonly host: string
  readonly entityPath: string
  readonly operation: string
}

const hasConnectionRefused = (cause: unknown, depth = 0): boolean => {
  if (depth > 4 || !Predicate.isObject(cause)) return false
  const record = cause as Record<string, unknown>
  if (record.code === "ECONNREFUSED" || record.errno === -111 || record.errno === "ECONNREFUSED") return true
  if (Predicate.isString(record.message) && record.message.includes("ECONNREFUSED")) return true
  if (Array.isArray(record.errors) && record.errors.some((e) => hasConnectionRefused(e, depth + 1))) return true
  return "cause" in record && hasConnectionRefused(record.cause, depth + 1)
}

const describe = (cause: unknown): string =>
  cause instanceof Error ? cause.message : Predicate.isString(cause) ? cause : "unknown error"

/**
 * What the SDK's retries ended with: it throws an `AggregateError` (with an empty message) holding one error per
 * attempt; the last attempt's error says why.
 */
const lastAttempt = (cause: unknown): unknown => {
  if (!(cause instanceof AggregateError) || cause.errors.length === 0) return cause
  return lastAttempt(cause.errors[cause.errors.length - 1])
}

/** The SDK's code and message, e.g. `UnauthorizedAccess: InvalidSignature: The token has an invalid signature.` */
const sdkDetail = (cause: { readonly code: string; readonly message: string }): string =>
  cause.message === "" ? cause.code : `${cause.code}: ${cause.message}`

/**
 * Turns whatever the SDK threw into one of the typed failures. The SDK reports a refused connection as a
 * `GeneralError` whose message starts with `ECONNREFUSED`, so that case is recognised from the system error fields;
 * retries that all failed come as an `AggregateError`, read through to its last attempt.
 */
export const fromSdkError = (thrown: unknown, context: FailureContext): ServiceBusAdapterError => {
  const cause = lastAttempt(thrown)
  if (hasConnectionRefused(cause)) {
    return new ServiceBusConnectionRefused({
      code: "ConnectionRefused",
      host: context.host,
      message: `Service Bus namespace ${context.host} refused the connection while trying to ${context.operation} ${context.entityPath}: check the endpoint host and port, and that the namespace (or emulator) is running`,
      cause,
    })
  }
  if (isServiceBusError(cause)) {
    switch (cause.code) {
      case "UnauthorizedAccess":
        return new ServiceBusUnauthorized({
          code: "UnauthorizedAccess",
          entityPath: context.entityPath,
          message: `Service Bus rejected the credential for ${context.operation} on ${context.entityPath} at ${context.host} (${sdkDetail(cause)}): check the shared access key (or the identity's role assignment, e.g. "Azure Service Bus Data Sender/Receiver")`,
          cause,
        })
      case "MessagingEntityNotFound":
        return new ServiceBusEntityNotFound({
          code: "MessagingEntityNotFound",
          entityPath: context.entityPath,
          message: `Service Bus entity ${context.entityPath} was not found in namespace ${context.host} (${sdkDetail(cause)}): create it, or fix the topic/subscription name`,
          cause,
        })
      default:
        return new ServiceBusOperationFailed({
          code: cause.code,
          entityPath: context.entityPath,
          operation: context.operation,
          retryable: cause.retryable === true,
          message: `Service Bus ${context.operation} on ${context.entityPath} at ${context.host} failed (${cause.code}): ${cause.message}`,
          cause,
        })
    }
  }
  const name = cause instanceof Error ? cause.name : "Error"
  return new ServiceBusOperationFailed({
    code: name === "AbortError" ? "Aborted" : "GeneralError",
    entityPath: context.entityPath,
    operation: context.operation,
    retryable: false,
    message: `Service Bus ${context.operation} on ${context.entityPath} at ${context.host} failed: ${describe(cause)}`,
    cause,
  })
}
