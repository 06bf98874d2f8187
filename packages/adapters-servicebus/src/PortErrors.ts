import { PublishError, SettlementError, SubscriptionError } from "@haymaker/domain"
import type { ServiceBusAdapterError } from "./ServiceBusErrors.ts"

const timeoutCodes = new Set(["ServiceTimeout", "ServiceBusy", "ServiceCommunicationProblem"])

/** The adapter's failure in the terms of the `EventPublisher` port. */
export const toPublishError = (error: ServiceBusAdapterError): PublishError => {
  const reason = (() => {
    switch (error._tag) {
      case "ServiceBusConnectionRefused":
        return "ConnectionRefused" as const
      case "ServiceBusUnauthorized":
        return "Unauthorized" as const
      case "ServiceBusEntityNotFound":
        return "EntityNotFound" as const
      case "EventTooLarge":
        return "MessageTooLarge" as const
      case "ServiceBusOperationFailed":
        if (error.code === "MessageSizeExceeded") return "MessageTooLarge" as const
        return timeoutCodes.has(error.code) ? ("Timeout" as const) : ("Unknown" as const)
      case "ServiceBusClientClosed":
        return "Unknown" as const
    }
  })()
  return new PublishError({ reason, message: error.message, cause: error })
}

/** The adapter's failure in the terms of the `EventSubscription` port. */
export const toSubscriptionError = (error: ServiceBusAdapterError): SubscriptionError => {
  const reason = (() => {
    switch (error._tag) {
      case "ServiceBusConnectionRefused":
        return "ConnectionRefused" as const
      case "ServiceBusUnauthorized":
        return "Unauthorized" as const
      case "ServiceBusEntityNotFound":
        return "EntityNotFound" as const
      case "ServiceBusClientClosed":
        return "Disconnected" as const
      case "ServiceBusOperationFailed":
        if (error.code === "MessageNotFound") return "MessageNotFound" as const
        return error.code === "ServiceCommunicationProblem" ? ("Disconnected" as const) : ("Unknown" as const)
      case "EventTooLarge":
        return "Unknown" as const
    }
  })()
  return new SubscriptionError({ reason, message: error.message, cause: error })
}

/** A settlement failure in the terms of the `EventSubscription` port. */
export const toSettlementError = (error: ServiceBusAdapterError, messageId: string): SettlementError => {
  const reason = (() => {
    if (error._tag === "ServiceBusClientClosed" || error._tag === "ServiceBusConnectionRefused") {
      return "Disconnected" as const
    }
    if (error._tag !== "ServiceBusOperationFailed") return "Unknown" as const
    switch (error.code) {
      case "MessageLockLost":
        return "LockLost" as const
      case "MessageAlreadySettled":
        return "AlreadySettled" as const
      case "ServiceCommunicationProblem":
        return "Disconnected" as const
      default:
        return "Unknown" as const
    }
  })()
  return new SettlementError({ reason, messageId, message: error.message, cause: error })
}
