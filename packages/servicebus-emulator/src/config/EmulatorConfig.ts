/**
 * The normalized, validated emulator configuration. Field names follow the official emulator's Config.json
 * (camel-cased); durations are milliseconds. `parseConfig` produces it from the JSON form.
 */

export interface QueueProperties {
  readonly deadLetteringOnMessageExpiration: boolean
  readonly defaultMessageTimeToLiveMs: number
  readonly duplicateDetectionHistoryTimeWindowMs: number
  readonly forwardDeadLetteredMessagesTo: string | undefined
  readonly forwardTo: string | undefined
  readonly lockDurationMs: number
  readonly maxDeliveryCount: number
  readonly requiresDuplicateDetection: boolean
  readonly requiresSession: boolean
  readonly maxMessageSizeBytes: number
  readonly maxSizeInMegabytes: number
}

export interface TopicProperties {
  readonly defaultMessageTimeToLiveMs: number
  readonly duplicateDetectionHistoryTimeWindowMs: number
  readonly requiresDuplicateDetection: boolean
  readonly maxMessageSizeBytes: number
  readonly maxSizeInMegabytes: number
}

export interface SubscriptionProperties {
  readonly deadLetteringOnMessageExpiration: boolean
  readonly defaultMessageTimeToLiveMs: number
  readonly forwardDeadLetteredMessagesTo: string | undefined
  readonly forwardTo: string | undefined
  readonly lockDurationMs: number
  readonly maxDeliveryCount: number
  readonly requiresSession: boolean
}

/** Filters a subscription rule can hold. SQL filters beyond the constant `1=1` / `1=0` belong to a later issue. */
export type FilterConfig =
  | { readonly type: "true" }
  | { readonly type: "false" }
  | {
      readonly type: "correlation"
      readonly contentType?: string
      readonly correlationId?: string
      readonly subject?: string
      readonly messageId?: string
      readonly replyTo?: string
      readonly replyToSessionId?: string
      readonly sessionId?: string
      readonly to?: string
      readonly properties: Readonly<Record<string, string | number | boolean>>
    }

export interface RuleConfig {
  readonly name: string
  readonly filter: FilterConfig
}

/**
 * Properties set through the management API that the emulator stores and reports back but does not act on
 * (UserMetadata, AutoDeleteOnIdle, EnableBatchedOperations, ...), keyed by their ATOM element name.
 */
export type EchoedProperties = Readonly<Record<string, string>>

export interface QueueConfig {
  readonly name: string
  readonly properties: QueueProperties
  readonly echoed?: EchoedProperties
}

export interface SubscriptionConfig {
  readonly name: string
  readonly properties: SubscriptionProperties
  readonly rules: ReadonlyArray<RuleConfig>
  readonly echoed?: EchoedProperties
}

export interface TopicConfig {
  readonly name: string
  readonly properties: TopicProperties
  readonly subscriptions: ReadonlyArray<SubscriptionConfig>
  readonly echoed?: EchoedProperties
}

export interface NamespaceConfig {
  readonly name: string
  readonly queues: ReadonlyArray<QueueConfig>
  readonly topics: ReadonlyArray<TopicConfig>
}

export type LoggingType = "File" | "Console" | "File,Console"

export interface EmulatorConfig {
  readonly namespace: NamespaceConfig
  readonly logging: { readonly type: LoggingType }
}
