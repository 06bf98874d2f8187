import {
  DeadLetterQueueError,
  PublishError,
  type PublishErrorReason,
  SettlementError,
  type SettlementErrorReason,
  SubscriptionError,
  type SubscriptionErrorReason,
} from "@haymaker/domain"
import type { ServiceBusAdapterError } from "./ServiceBusErrors.ts"

/** The reasons every port names alike. */
type CommonReason = "ConnectionRefused" | "Unauthorized" | "EntityNotFound"

const commonReasons: Partial<Record<ServiceBusAdapterError["_tag"], CommonReason>> = {
  ServiceBusConnectionRefused: "ConnectionRefused",
  ServiceBusUnauthorized: "Unauthorized",
  ServiceBusEntityNotFound: "EntityNotFound",
}

/** The SDK's codes for "the broker did not answer in time, or asked to back off". */
const timeoutCodes = new Set(["ServiceTimeout", "ServiceBusy", "ServiceCommunicationProblem"])

/** The SDK's code of an operation failure, if the error is one. */
const codeOf = (error: ServiceBusAdapterError): string | undefined =>
  error._tag === "ServiceBusOperationFailed" ? error.code : undefined

const publishReason = (error: ServiceBusAdapterError): PublishErrorReason => {
  const common = commonReasons[error._tag]
  if (common !== undefined) return common
  const code = codeOf(error)
  if (error._tag === "EventTooLarge" || code === "MessageSizeExceeded") return "MessageTooLarge"
  return code !== undefined && timeoutCodes.has(code) ? "Timeout" : "Unknown"
}

const subscriptionReason = (error: ServiceBusAdapterError): SubscriptionErrorReason => {
  const common = commonReasons[error._tag]
  if (common !== undefined) return common
  const code = codeOf(error)
  if (error._tag === "ServiceBusClientClosed" || code === "ServiceCommunicationProblem") return "Disconnected"
  return code === "MessageNotFound" ? "MessageNotFound" : "Unknown"
}

const settlementReasons = new Map<string, SettlementErrorReason>([
  ["MessageLockLost", "LockLost"],
  ["MessageAlreadySettled", "AlreadySettled"],
  ["ServiceCommunicationProblem", "Disconnected"],
])

const settlementReason = (error: ServiceBusAdapterError): SettlementErrorReason => {
  if (error._tag === "ServiceBusClientClosed" || error._tag === "ServiceBusConnectionRefused") return "Disconnected"
  const code = codeOf(error)
  return (code === undefined ? undefined : settlementReasons.get(code)) ?? "Unknown"
}

/** The adapter's failure in the terms of the `EventPublisher` port. */
export const toPublishError = (error: ServiceBusAdapterError): PublishError =>
  new PublishError({ reason: publishReason(error), message: error.message, cause: error })

/** The adapter's failure in the terms of the `EventSubscription` port. */
export const toSubscriptionError = (error: ServiceBusAdapterError): SubscriptionError =>
  new SubscriptionError({ reason: subscriptionReason(error), message: error.message, cause: error })

/** A settlement failure in the terms of the `EventSubscription` port. */
export const toSettlementError = (error: ServiceBusAdapterError, messageId: string): SettlementError =>
  new SettlementError({ reason: settlementReason(error), messageId, message: error.message, cause: error })

/** The adapter's failure in the terms of the `DeadLetterQueue` port. */
export const toDeadLetterQueueError = (error: ServiceBusAdapterError): DeadLetterQueueError =>
  new DeadLetterQueueError({ reason: commonReasons[error._tag] ?? "Unknown", message: error.message, cause: error })
