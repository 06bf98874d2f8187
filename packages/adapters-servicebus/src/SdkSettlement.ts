import type { ServiceBusReceivedMessage, ServiceBusReceiver } from "@azure/service-bus"
import type { Settlement, SettlementKind } from "@haymaker/domain"

/** The SDK call that settles `message` on the receiver that delivered it. */
export const settleWithSdk = (
  receiver: ServiceBusReceiver,
  message: ServiceBusReceivedMessage,
  settlement: Settlement,
): Promise<void> => {
  switch (settlement._tag) {
    case "Complete":
      return receiver.completeMessage(message)
    case "Abandon":
      return receiver.abandonMessage(message)
    case "Defer":
      return receiver.deferMessage(message)
    case "DeadLetter":
      return receiver.deadLetterMessage(message, {
        deadLetterReason: settlement.reason,
        deadLetterErrorDescription: settlement.description,
      })
  }
}

/** The verb of a settlement, for error messages (`Service Bus dead-letter on … failed`). */
export const operationOf: Record<SettlementKind, string> = {
  Complete: "complete",
  Abandon: "abandon",
  DeadLetter: "dead-letter",
  Defer: "defer",
}

/** The past participle of a settlement, for log lines (`Message 42 (resource_created) dead-lettered`). */
export const settledAs: Record<SettlementKind, string> = {
  Complete: "completed",
  Abandon: "abandoned",
  DeadLetter: "dead-lettered",
  Defer: "deferred",
}
