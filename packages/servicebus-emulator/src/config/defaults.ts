/** Defaults of the official Service Bus emulator (its documentation and installer's Config.json). */
export const officialDefaults = {
  deadLetteringOnMessageExpiration: false,
  /** Not in the official emulator's Config.json; Azure's default for subscriptions. */
  deadLetteringOnFilterEvaluationExceptions: true,
  defaultMessageTimeToLiveMs: 60 * 60 * 1000,
  duplicateDetectionHistoryTimeWindowMs: 20 * 1000,
  lockDurationMs: 60 * 1000,
  maxDeliveryCount: 3,
  requiresDuplicateDetection: false,
  requiresSession: false,
  /** Standard tier limit; the SDK sizes batches from the value advertised on the link. */
  maxMessageSizeBytes: 256 * 1024,
  maxSizeInMegabytes: 1024,
} as const

/** Azure caps LockDuration at five minutes. */
export const maxLockDurationMs = 5 * 60 * 1000

export const defaultRuleName = "$Default"

export const defaultNamespaceName = "sbemulatorns"
