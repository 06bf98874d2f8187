import type { TopicEntity } from "../broker/entities.ts"
import type { TopicConfig } from "../config/EmulatorConfig.ts"
import { booleanCheck, type DescriptionReader } from "./DescriptionReader.ts"
import {
  countDetailsXml,
  descriptionTag,
  durationTag,
  echoedTag,
  type MessageCounts,
  neverText,
  timesXml,
} from "./descriptionXml.ts"
import {
  readSendingProperties,
  refuseAuthorizationRules,
  refuseInactiveStatus,
  sharedEchoedChecks,
} from "./queueDescription.ts"
import { serviceDefaults } from "./serviceDefaults.ts"
import { textTag } from "./xml.ts"

/** A new topic has no subscriptions; an update keeps the ones it has (they are managed one by one). */
export const readTopicDescription = (reader: DescriptionReader, name: string): TopicConfig => {
  refuseInactiveStatus(reader)
  refuseAuthorizationRules(reader)
  return {
    name,
    properties: {
      defaultMessageTimeToLiveMs: reader.duration(
        "DefaultMessageTimeToLive",
        serviceDefaults.defaultMessageTimeToLiveMs,
      ),
      ...readSendingProperties(reader),
    },
    subscriptions: [],
    echoed: reader.echoed({
      ...sharedEchoedChecks,
      SupportOrdering: booleanCheck,
      EnablePartitioning: booleanCheck,
      EnableExpress: booleanCheck,
    }),
  }
}

/** Scheduled messages wait at the topic; the rest live in its subscriptions. */
export const topicCounts = (topic: TopicEntity): MessageCounts => {
  let sizeInBytes = 0
  for (const entry of topic.scheduled.values()) sizeInBytes += entry.payload.sizeInBytes
  for (const subscription of topic.subscriptions.values()) {
    sizeInBytes += subscription.store.counts().sizeInBytes
    sizeInBytes += subscription.store.deadLetterQueue?.counts().sizeInBytes ?? 0
  }
  return { active: 0, deadLetter: 0, scheduled: topic.scheduled.size, sizeInBytes }
}

const accesses = (topic: TopicEntity): Array<number | undefined> => [
  topic.times.sentToAtMs,
  ...[...topic.subscriptions.values()].map((s) => s.store.deliveredAtMs),
]

export const topicDescriptionXml = (topic: TopicEntity): string => {
  const p = topic.config.properties
  const echoed = topic.config.echoed
  const counts = topicCounts(topic)
  return descriptionTag("TopicDescription", [
    durationTag("DefaultMessageTimeToLive", p.defaultMessageTimeToLiveMs),
    textTag("MaxSizeInMegabytes", p.maxSizeInMegabytes),
    textTag("RequiresDuplicateDetection", p.requiresDuplicateDetection),
    durationTag("DuplicateDetectionHistoryTimeWindow", p.duplicateDetectionHistoryTimeWindowMs),
    echoedTag(echoed, "EnableBatchedOperations", "true"),
    textTag("SizeInBytes", counts.sizeInBytes),
    textTag("FilteringMessagesBeforePublishing", false),
    textTag("IsAnonymousAccessible", false),
    "<AuthorizationRules/>",
    textTag("Status", "Active"),
    echoedTag(echoed, "UserMetadata"),
    timesXml(topic.times, accesses(topic)),
    echoedTag(echoed, "SupportOrdering", "true"),
    countDetailsXml(counts),
    textTag("SubscriptionCount", topic.subscriptions.size),
    echoedTag(echoed, "AutoDeleteOnIdle", neverText),
    echoedTag(echoed, "EnablePartitioning", "false"),
    textTag("IsExpress", false),
    textTag("EntityAvailabilityStatus", "Available"),
    textTag("EnableSubscriptionPartitioning", false),
    echoedTag(echoed, "EnableExpress", "false"),
    textTag("MaxMessageSizeInKilobytes", p.maxMessageSizeBytes / 1024),
  ])
}
