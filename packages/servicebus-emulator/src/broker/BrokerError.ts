/**
 * Failures the broker reports to the protocol layer; each kind maps to the AMQP condition the SDK translates into
 * the matching `ServiceBusError.code`.
 */
export type BrokerErrorKind =
  | "EntityNotFound"
  | "EntityAlreadyExists"
  | "MessageLockLost"
  | "MessageNotFound"
  | "MessageSizeExceeded"
  | "InvalidOperation"
  | "InvalidArgument"
  | "NotImplemented"
  | "Unauthorized"
  | "SessionCannotBeLocked"
  | "SessionLockLost"
  | "Timeout"

export class BrokerError extends Error {
  override readonly name = "BrokerError"
  readonly kind: BrokerErrorKind

  constructor(kind: BrokerErrorKind, message: string) {
    super(message)
    this.kind = kind
  }
}
