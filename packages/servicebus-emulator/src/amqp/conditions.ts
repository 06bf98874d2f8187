import { BrokerError, type BrokerErrorKind } from "../broker/BrokerError.ts"
import { MessageFormatError } from "./sections.ts"

/**
 * AMQP error conditions and management status codes for broker failures, chosen so that
 * `@azure/core-amqp`'s `translate` produces the matching `ServiceBusError.code` (see its ConditionErrorNameMapper).
 */
const byKind: Record<BrokerErrorKind, { readonly condition: string; readonly status: number }> = {
  EntityNotFound: { condition: "amqp:not-found", status: 404 },
  EntityAlreadyExists: { condition: "com.microsoft:entity-already-exists", status: 409 },
  MessageLockLost: { condition: "com.microsoft:message-lock-lost", status: 410 },
  MessageNotFound: { condition: "com.microsoft:message-not-found", status: 404 },
  MessageSizeExceeded: { condition: "amqp:link:message-size-exceeded", status: 413 },
  InvalidOperation: { condition: "amqp:not-allowed", status: 400 },
  InvalidArgument: { condition: "com.microsoft:argument-error", status: 400 },
  NotImplemented: { condition: "amqp:not-implemented", status: 501 },
  Unauthorized: { condition: "amqp:unauthorized-access", status: 401 },
  SessionCannotBeLocked: { condition: "com.microsoft:session-cannot-be-locked", status: 410 },
  SessionLockLost: { condition: "com.microsoft:session-lock-lost", status: 410 },
  Timeout: { condition: "com.microsoft:timeout", status: 408 },
}

/** The HTTP status of a broker failure: management replies over AMQP carry it, and so does the ATOM management API. */
export const brokerErrorStatus = (kind: BrokerErrorKind): number => byKind[kind].status

export interface ErrorReply {
  readonly condition: string
  readonly status: number
  readonly description: string
}

export const errorReply = (error: unknown): ErrorReply => {
  if (error instanceof BrokerError) {
    const mapped = byKind[error.kind]
    // The SDK recognises a missing entity by "status-code: 404" in the description.
    const description = error.kind === "EntityNotFound" ? `${error.message} status-code: 404` : error.message
    return { ...mapped, description }
  }
  if (error instanceof MessageFormatError) {
    return { condition: "amqp:decode-error", status: 400, description: `Malformed AMQP message: ${error.message}` }
  }
  const message = error instanceof Error ? error.message : String(error)
  return { condition: "amqp:internal-error", status: 500, description: `Internal emulator error: ${message}` }
}
