import type { SubscriptionEntity } from "../broker/entities.ts"
import { officialDefaults } from "../config/defaults.ts"
import type { SubscriptionConfig } from "../config/EmulatorConfig.ts"
import type { DescriptionReader } from "./DescriptionReader.ts"
import {
  countDetailsXml,
  descriptionTag,
  durationTag,
  echoedTag,
  forwardTag,
  neverText,
  storeCounts,
  timesXml,
  totalCount,
} from "./descriptionXml.ts"
import { type ForwardTarget, readReceivingProperties, sharedEchoedChecks } from "./queueDescription.ts"
import { textTag } from "./xml.ts"

/** The subscription's properties; its rules are managed separately (DefaultRuleDescription, the Rules feed). */
export const readSubscriptionDescription = (
  reader: DescriptionReader,
  name: string,
  forward: ForwardTarget,
): SubscriptionConfig => {
  return {
    name,
    properties: {
      ...readReceivingProperties(reader, forward),
      deadLetteringOnFilterEvaluationExceptions: reader.boolean(
        "DeadLetteringOnFilterEvaluationExceptions",
        officialDefaults.deadLetteringOnFilterEvaluationExceptions,
      ),
    },
    rules: [],
    echoed: reader.echoed(sharedEchoedChecks),
  }
}

export const subscriptionDescriptionXml = (
  subscription: SubscriptionEntity,
  forwardUrl: (name: string) => string,
): string => {
  const p = subscription.config.properties
  const echoed = subscription.config.echoed
  const counts = storeCounts(subscription.store)
  const store = subscription.store
  return descriptionTag("SubscriptionDescription", [
    durationTag("LockDuration", p.lockDurationMs),
    textTag("RequiresSession", p.requiresSession),
    durationTag("DefaultMessageTimeToLive", p.defaultMessageTimeToLiveMs),
    textTag("DeadLetteringOnMessageExpiration", p.deadLetteringOnMessageExpiration),
    textTag("DeadLetteringOnFilterEvaluationExceptions", p.deadLetteringOnFilterEvaluationExceptions),
    textTag("MessageCount", totalCount(counts)),
    textTag("MaxDeliveryCount", p.maxDeliveryCount),
    echoedTag(echoed, "EnableBatchedOperations", "true"),
    textTag("Status", "Active"),
    forwardTag("ForwardTo", p.forwardTo, forwardUrl),
    timesXml(subscription.times, [store.deliveredAtMs, store.deadLetterQueue?.deliveredAtMs]),
    countDetailsXml(counts),
    echoedTag(echoed, "UserMetadata"),
    forwardTag("ForwardDeadLetteredMessagesTo", p.forwardDeadLetteredMessagesTo, forwardUrl),
    echoedTag(echoed, "AutoDeleteOnIdle", neverText),
    textTag("EntityAvailabilityStatus", "Available"),
  ])
}
