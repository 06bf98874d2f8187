/**
 * What Azure Service Bus gives an entity created through the management API without a value (Standard tier).
 * Config.json entities keep the official emulator's defaults instead (see `config/defaults.ts`).
 */
export const serviceDefaults = {
  lockDurationMs: 60_000,
  maxDeliveryCount: 10,
  defaultMessageTimeToLiveMs: Number.POSITIVE_INFINITY,
  duplicateDetectionHistoryTimeWindowMs: 10 * 60_000,
  deadLetteringOnMessageExpiration: false,
  requiresDuplicateDetection: false,
  requiresSession: false,
  maxSizeInMegabytes: 1024,
  maxMessageSizeInKilobytes: 256,
} as const

/** Azure's limits on entity properties; lock durations below Azure's 5 s minimum stay allowed for fast tests. */
export const limits = {
  maxLockDurationMs: 5 * 60_000,
  maxMessageSizeInKilobytes: 100 * 1024,
  maxUserMetadataLength: 1024,
} as const
