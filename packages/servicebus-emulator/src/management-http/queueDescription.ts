import type { QueueEntity } from "../broker/entities.ts"
import type { QueueConfig } from "../config/EmulatorConfig.ts"
import { booleanCheck, type DescriptionReader, durationCheck, lengthCheck } from "./DescriptionReader.ts"
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
import { limits, serviceDefaults } from "./serviceDefaults.ts"
import { textTag } from "./xml.ts"

/** Resolves a ForwardTo value ("target" or "sb://host/target") to an existing queue or topic name. */
export type ForwardTarget = (reader: DescriptionReader, element: string) => string | undefined

/** Properties the emulator does not act on but keeps, as Azure would report them back. */
export const sharedEchoedChecks = {
  UserMetadata: lengthCheck(limits.maxUserMetadataLength),
  AutoDeleteOnIdle: durationCheck,
  EnableBatchedOperations: booleanCheck,
} as const

/** Only "Active" is supported; a disabled entity would need sends and receives refused. */
export const refuseInactiveStatus = (reader: DescriptionReader): void => {
  const status = reader.text("Status")
  if (status !== undefined && status !== "" && status !== "Active") {
    reader.refuse("Status", `"${status}" is not supported by the emulator (only "Active")`)
  }
}

/** Entity-level SAS rules would need per-entity keys; the emulator has namespace policies only. */
export const refuseAuthorizationRules = (reader: DescriptionReader): void => {
  const rules = reader.element.children.find((child) => child.name === "AuthorizationRules")
  if (rules !== undefined && rules.children.length > 0) {
    reader.refuse("AuthorizationRules", "entity-level authorization rules are not supported by the emulator")
  }
}

/** The properties queues and subscriptions share: how their messages are locked, expire, and move on. */
export const readReceivingProperties = (reader: DescriptionReader, forward: ForwardTarget) => {
  refuseInactiveStatus(reader)
  refuseAuthorizationRules(reader)
  return {
    lockDurationMs: reader.duration("LockDuration", serviceDefaults.lockDurationMs, {
      maxMs: limits.maxLockDurationMs,
    }),
    requiresSession: reader.boolean("RequiresSession", serviceDefaults.requiresSession),
    defaultMessageTimeToLiveMs: reader.duration("DefaultMessageTimeToLive", serviceDefaults.defaultMessageTimeToLiveMs),
    deadLetteringOnMessageExpiration: reader.boolean(
      "DeadLetteringOnMessageExpiration",
      serviceDefaults.deadLetteringOnMessageExpiration,
    ),
    maxDeliveryCount: reader.integer("MaxDeliveryCount", serviceDefaults.maxDeliveryCount, { min: 1 }),
    forwardTo: forward(reader, "ForwardTo"),
    forwardDeadLetteredMessagesTo: forward(reader, "ForwardDeadLetteredMessagesTo"),
  }
}

/** The properties queues and topics share: what they accept, and their duplicate detection. */
export const readSendingProperties = (reader: DescriptionReader) => ({
  maxSizeInMegabytes: reader.integer("MaxSizeInMegabytes", serviceDefaults.maxSizeInMegabytes, { min: 1 }),
  requiresDuplicateDetection: reader.boolean("RequiresDuplicateDetection", serviceDefaults.requiresDuplicateDetection),
  duplicateDetectionHistoryTimeWindowMs: reader.duration(
    "DuplicateDetectionHistoryTimeWindow",
    serviceDefaults.duplicateDetectionHistoryTimeWindowMs,
  ),
  maxMessageSizeBytes:
    reader.integer("MaxMessageSizeInKilobytes", serviceDefaults.maxMessageSizeInKilobytes, {
      min: 1,
      max: limits.maxMessageSizeInKilobytes,
    }) * 1024,
})

export const readQueueDescription = (reader: DescriptionReader, name: string, forward: ForwardTarget): QueueConfig => ({
  name,
  properties: { ...readReceivingProperties(reader, forward), ...readSendingProperties(reader) },
  echoed: reader.echoed({ ...sharedEchoedChecks, EnablePartitioning: booleanCheck, EnableExpress: booleanCheck }),
})

/** A QueueDescription in the element order Azure uses. */
export const queueDescriptionXml = (queue: QueueEntity, forwardUrl: (name: string) => string): string => {
  const p = queue.config.properties
  const echoed = queue.config.echoed
  const counts = storeCounts(queue.store)
  return descriptionTag("QueueDescription", [
    durationTag("LockDuration", p.lockDurationMs),
    textTag("MaxSizeInMegabytes", p.maxSizeInMegabytes),
    textTag("RequiresDuplicateDetection", p.requiresDuplicateDetection),
    textTag("RequiresSession", p.requiresSession),
    durationTag("DefaultMessageTimeToLive", p.defaultMessageTimeToLiveMs),
    textTag("DeadLetteringOnMessageExpiration", p.deadLetteringOnMessageExpiration),
    durationTag("DuplicateDetectionHistoryTimeWindow", p.duplicateDetectionHistoryTimeWindowMs),
    textTag("MaxDeliveryCount", p.maxDeliveryCount),
    echoedTag(echoed, "EnableBatchedOperations", "true"),
    textTag("SizeInBytes", counts.sizeInBytes),
    textTag("MessageCount", totalCount(counts)),
    textTag("IsAnonymousAccessible", false),
    "<AuthorizationRules/>",
    textTag("Status", "Active"),
    forwardTag("ForwardTo", p.forwardTo, forwardUrl),
    echoedTag(echoed, "UserMetadata"),
    timesXml(queue.times, [
      queue.times.sentToAtMs,
      queue.store.deliveredAtMs,
      queue.store.deadLetterQueue?.deliveredAtMs,
    ]),
    textTag("SupportOrdering", true),
    countDetailsXml(counts),
    echoedTag(echoed, "AutoDeleteOnIdle", neverText),
    echoedTag(echoed, "EnablePartitioning", "false"),
    textTag("EntityAvailabilityStatus", "Available"),
    forwardTag("ForwardDeadLetteredMessagesTo", p.forwardDeadLetteredMessagesTo, forwardUrl),
    echoedTag(echoed, "EnableExpress", "false"),
    textTag("MaxMessageSizeInKilobytes", p.maxMessageSizeBytes / 1024),
  ])
}
