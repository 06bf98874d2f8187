import { BrokerError } from "../BrokerError.ts"
import type { Payload } from "../BrokeredMessage.ts"
import type { SendTarget, SubscriptionEntity } from "../entities.ts"
import { sessionIdOf } from "./SessionStore.ts"

// Service Bus's own wording for this refusal.
const missingSessionId =
  "The SessionId was not set on a message, and it cannot be sent to the entity. Entities that have session support enabled can only receive messages that have the SessionId set to a valid value."

/**
 * Refuses a send (all of it: a batch is accepted or refused as a whole) when a message without a session id would
 * enter a session-enabled queue, or a session-enabled subscription whose rules accept it.
 */
export const requireSessionIds = (target: SendTarget, payloads: ReadonlyArray<Payload>): void => {
  // Checked before reading any message: decoding routing properties is what sends to other entities avoid.
  if (target.kind === "queue") {
    if (!target.config.properties.requiresSession) return
    for (const payload of payloads) {
      if (sessionIdOf(payload) === undefined) {
        throw new BrokerError("InvalidOperation", `${missingSessionId} Entity: '${target.name}'.`)
      }
    }
    return
  }
  const sessionSubscriptions: Array<SubscriptionEntity> = []
  for (const subscription of target.subscriptions.values()) {
    if (subscription.config.properties.requiresSession) sessionSubscriptions.push(subscription)
  }
  if (sessionSubscriptions.length === 0) return
  for (const payload of payloads) {
    if (sessionIdOf(payload) !== undefined) continue
    for (const subscription of sessionSubscriptions) {
      if (subscription.copiesOf(payload).some((copy) => sessionIdOf(copy) === undefined)) {
        throw new BrokerError(
          "InvalidOperation",
          `${missingSessionId} Entity: '${target.name}/Subscriptions/${subscription.name}'.`,
        )
      }
    }
  }
}
