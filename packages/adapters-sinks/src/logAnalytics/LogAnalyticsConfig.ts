import type { TokenCredential } from "@azure/core-auth"
import { Config, Duration, Effect, Schema } from "effect"
import * as SinkSettings from "../SinkSettings.ts"
import { LogAnalyticsConfigError } from "./LogAnalyticsErrors.ts"
import { AgentLogsStream, DeadLettersStream, ResourcesStream } from "./Streams.ts"

const StreamName = Schema.String.check(Schema.isPattern(/^Custom-[A-Za-z][A-Za-z0-9_]*$/))

/** What of the Log Analytics sink can come from configuration; `make` validates it with this schema. */
export const LogAnalyticsSettings = Schema.Struct({
  /** Logs Ingestion endpoint of the data collection rule (kind Direct) or of its data collection endpoint. */
  endpoint: Schema.String.check(Schema.isPattern(/^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/)),
  /** The rule's immutable id (`dcr-` and 32 hex digits), not its resource id. */
  dataCollectionRuleId: Schema.String.check(Schema.isPattern(/^dcr-[0-9a-f]{32}$/i)),
  resourcesStream: Schema.optional(StreamName),
  agentLogsStream: Schema.optional(StreamName),
  deadLettersStream: Schema.optional(StreamName),
  /** Concurrent upload calls per stream (the SDK's `maxConcurrency`, default 5). */
  maxConcurrency: SinkSettings.optionalIntBetween(1, 64),
  /** Retries of one call on 408/429/5xx (default 3). */
  maxRetries: SinkSettings.optionalIntBetween(0, 20),
  /** The SDK's first delay between retries (default 1 second), doubling up to `maxRetryDelay` (64 seconds). */
  ...SinkSettings.sdkRetryDelays,
})
export type LogAnalyticsSettings = typeof LogAnalyticsSettings.Type

/** Settings plus what cannot come from configuration text. */
export interface LogAnalyticsSinkOptions extends LogAnalyticsSettings {
  /** Default: `DefaultAzureCredential` (managed identity, workload identity, Azure CLI, …). */
  readonly credential?: TokenCredential | undefined
  /** Extra PEM certificate to trust (a local Logs Ingestion server); replaces the default CAs for this client. */
  readonly trustedCa?: string | undefined
}

/** Settings with their defaults applied. */
export interface ResolvedLogAnalyticsSettings {
  readonly endpoint: string
  readonly dataCollectionRuleId: string
  readonly resourcesStream: string
  readonly agentLogsStream: string
  readonly deadLettersStream: string
  readonly maxConcurrency: number
  readonly maxRetries: number
  readonly retryDelay: Duration.Duration
  readonly maxRetryDelay: Duration.Duration
}

export const resolveLogAnalyticsSettings = (
  options: LogAnalyticsSettings,
): Effect.Effect<ResolvedLogAnalyticsSettings, LogAnalyticsConfigError> =>
  SinkSettings.decode(
    LogAnalyticsSettings,
    "Log Analytics sink",
    (message) => new LogAnalyticsConfigError({ message }),
  )(options).pipe(
    Effect.map((settings) => ({
      endpoint: settings.endpoint.replace(/\/+$/, ""),
      dataCollectionRuleId: settings.dataCollectionRuleId,
      resourcesStream: settings.resourcesStream ?? ResourcesStream.stream,
      agentLogsStream: settings.agentLogsStream ?? AgentLogsStream.stream,
      deadLettersStream: settings.deadLettersStream ?? DeadLettersStream.stream,
      maxConcurrency: settings.maxConcurrency ?? 5,
      maxRetries: settings.maxRetries ?? 3,
      ...SinkSettings.resolveSdkRetryDelays(settings, Duration.seconds(64)),
    })),
  )

/**
 * The settings from the environment: `HAYMAKER_LOGS_INGESTION_ENDPOINT`, `HAYMAKER_LOGS_DCR_IMMUTABLE_ID`
 * (required); `HAYMAKER_LOGS_RESOURCES_STREAM`, `HAYMAKER_LOGS_AGENT_LOGS_STREAM`, `HAYMAKER_LOGS_DEAD_LETTERS_STREAM`,
 * `HAYMAKER_LOGS_MAX_CONCURRENCY`, `HAYMAKER_LOGS_MAX_RETRIES`, `HAYMAKER_LOGS_RETRY_DELAY` and
 * `HAYMAKER_LOGS_MAX_RETRY_DELAY` (durations such as `2 seconds`; the `…_MS` forms in milliseconds still work)
 * (optional). `layerConfig(logAnalyticsEnvConfig)` is the sink configured by them.
 */
export const logAnalyticsEnvConfig = {
  endpoint: Config.String("HAYMAKER_LOGS_INGESTION_ENDPOINT"),
  dataCollectionRuleId: Config.String("HAYMAKER_LOGS_DCR_IMMUTABLE_ID"),
  resourcesStream: SinkSettings.optional(Config.String("HAYMAKER_LOGS_RESOURCES_STREAM")),
  agentLogsStream: SinkSettings.optional(Config.String("HAYMAKER_LOGS_AGENT_LOGS_STREAM")),
  deadLettersStream: SinkSettings.optional(Config.String("HAYMAKER_LOGS_DEAD_LETTERS_STREAM")),
  maxConcurrency: SinkSettings.optional(Config.Int("HAYMAKER_LOGS_MAX_CONCURRENCY")),
  maxRetries: SinkSettings.optional(Config.Int("HAYMAKER_LOGS_MAX_RETRIES")),
  ...SinkSettings.sdkRetryDelaysEnv("HAYMAKER_LOGS"),
} satisfies Config.Wrap<LogAnalyticsSettings>
