import type { ConfigWarning } from "./compatibilityWarnings.ts"

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
  /** A rule that fails on a message (a type mismatch, a division by zero) dead-letters it; Azure's default is true. */
  readonly deadLetteringOnFilterEvaluationExceptions: boolean
  readonly defaultMessageTimeToLiveMs: number
  readonly forwardDeadLetteredMessagesTo: string | undefined
  readonly forwardTo: string | undefined
  readonly lockDurationMs: number
  readonly maxDeliveryCount: number
  readonly requiresSession: boolean
}

/** Values of rule parameters (`@name` in SQL filters and actions): Int64 as bigint, Double as number. */
export type SqlParameterValue = string | bigint | number | boolean | Date | null

/** Filters a subscription rule can hold. */
export type FilterConfig =
  | { readonly type: "true" }
  | { readonly type: "false" }
  | {
      readonly type: "sql"
      readonly expression: string
      readonly parameters: Readonly<Record<string, SqlParameterValue>>
    }
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

/** A SQL rule action (`SET`, `REMOVE`), applied to the copy of a message that its rule puts into the subscription. */
export interface ActionConfig {
  readonly expression: string
  readonly parameters: Readonly<Record<string, SqlParameterValue>>
}

export interface RuleConfig {
  readonly name: string
  readonly filter: FilterConfig
  readonly action?: ActionConfig
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
  /** Fields accepted only for compatibility with the official emulator; logged at start-up. */
  readonly warnings: ReadonlyArray<ConfigWarning>
}
