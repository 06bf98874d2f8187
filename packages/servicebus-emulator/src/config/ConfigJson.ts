/** The official emulator's Config.json document, as users write it (all fields PascalCase, durations ISO-8601). */
export interface ConfigJson {
  readonly UserConfig: {
    readonly Namespaces: ReadonlyArray<NamespaceJson>
    readonly Logging?: { readonly Type: "File" | "Console" | "File,Console" }
  }
}

export interface NamespaceJson {
  readonly Name: string
  readonly Queues?: ReadonlyArray<QueueJson>
  readonly Topics?: ReadonlyArray<TopicJson>
}

export interface QueueJson {
  readonly Name: string
  readonly Properties?: {
    readonly DeadLetteringOnMessageExpiration?: boolean
    readonly DefaultMessageTimeToLive?: string
    readonly DuplicateDetectionHistoryTimeWindow?: string
    readonly ForwardDeadLetteredMessagesTo?: string
    readonly ForwardTo?: string
    readonly LockDuration?: string
    readonly MaxDeliveryCount?: number
    readonly RequiresDuplicateDetection?: boolean
    readonly RequiresSession?: boolean
    readonly MaxSizeInMegabytes?: number
    readonly MaxMessageSizeInKilobytes?: number
  }
}

export interface TopicJson {
  readonly Name: string
  readonly Properties?: {
    readonly DefaultMessageTimeToLive?: string
    readonly DuplicateDetectionHistoryTimeWindow?: string
    readonly RequiresDuplicateDetection?: boolean
    readonly MaxSizeInMegabytes?: number
    readonly MaxMessageSizeInKilobytes?: number
  }
  readonly Subscriptions?: ReadonlyArray<SubscriptionJson>
}

export interface SubscriptionJson {
  readonly Name: string
  readonly Properties?: {
    readonly DeadLetteringOnMessageExpiration?: boolean
    /** Dead-letter messages a rule fails on (default true, as in Azure); not in the official format. */
    readonly DeadLetteringOnFilterEvaluationExceptions?: boolean
    readonly DefaultMessageTimeToLive?: string
    readonly LockDuration?: string
    readonly MaxDeliveryCount?: number
    readonly ForwardDeadLetteredMessagesTo?: string
    readonly ForwardTo?: string
    readonly RequiresSession?: boolean
  }
  readonly Rules?: ReadonlyArray<RuleJson>
}

export interface SqlExpressionJson {
  readonly SqlExpression: string
  /** Values of `@name` parameters (an extension of the official format). */
  readonly Parameters?: Readonly<Record<string, string | number | boolean | null>>
}

export interface RuleJson {
  readonly Name: string
  readonly Properties: {
    readonly FilterType: "Correlation" | "Sql"
    readonly CorrelationFilter?: {
      readonly ContentType?: string
      readonly CorrelationId?: string
      readonly Label?: string
      readonly MessageId?: string
      readonly ReplyTo?: string
      readonly ReplyToSessionId?: string
      readonly SessionId?: string
      readonly To?: string
      readonly Properties?: Readonly<Record<string, string | number | boolean>>
    }
    readonly SqlFilter?: SqlExpressionJson
    /** A SQL rule action (`SET sys.To = 'Entity'`), applied to the copy the rule puts into the subscription. */
    readonly Action?: SqlExpressionJson
  }
}
