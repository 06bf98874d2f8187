import type { TokenCredential } from "@azure/core-auth"
import { Config, Effect, Schema } from "effect"
import { LogAnalyticsConfigError } from "./LogAnalyticsErrors.ts"
import { AgentLogsStream, DeadLettersStream, ResourcesStream } from "./Streams.ts"

const StreamName = Schema.String.check(Schema.isPattern(/^Custom-[A-Za-z][A-Za-z0-9_]*$/))

/** Validated settings of the Log Analytics sink (everything that can come from configuration). */
export const LogAnalyticsSettings = Schema.Struct({
  /** Logs Ingestion endpoint of the data collection rule (kind Direct) or of its data collection endpoint. */
  endpoint: Schema.String.check(Schema.isPattern(/^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/)),
  /** The rule's immutable id (`dcr-` and 32 hex digits), not its resource id. */
  dataCollectionRuleId: Schema.String.check(Schema.isPattern(/^dcr-[0-9a-f]{32}$/i)),
  resourcesStream: Schema.optionalKey(StreamName),
  agentLogsStream: Schema.optionalKey(StreamName),
  deadLettersStream: Schema.optionalKey(StreamName),
  /** Concurrent upload calls per stream (the SDK's `maxConcurrency`, default 5). */
  maxConcurrency: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 64 }))),
  /** Retries of one call on 408/429/5xx (default 3). */
  maxRetries: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 20 }))),
  retryDelayMs: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  maxRetryDelayMs: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
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
  readonly retryDelayMs: number
  readonly maxRetryDelayMs: number
}

export const resolveLogAnalyticsSettings = (
  input: unknown,
): Effect.Effect<ResolvedLogAnalyticsSettings, LogAnalyticsConfigError> =>
  Schema.decodeUnknownEffect(LogAnalyticsSettings)(input).pipe(
    Effect.mapError(
      (error) => new LogAnalyticsConfigError({ message: `Invalid Log Analytics sink settings: ${error.message}` }),
    ),
    Effect.map((settings) => ({
      endpoint: settings.endpoint.replace(/\/+$/, ""),
      dataCollectionRuleId: settings.dataCollectionRuleId,
      resourcesStream: settings.resourcesStream ?? ResourcesStream.stream,
      agentLogsStream: settings.agentLogsStream ?? AgentLogsStream.stream,
      deadLettersStream: settings.deadLettersStream ?? DeadLettersStream.stream,
      maxConcurrency: settings.maxConcurrency ?? 5,
      maxRetries: settings.maxRetries ?? 3,
      retryDelayMs: settings.retryDelayMs ?? 1_000,
      maxRetryDelayMs: settings.maxRetryDelayMs ?? 64_000,
    })),
  )

const optional = <A>(config: Config.Config<A>) => config.pipe(Config.withDefault(undefined))

/**
 * Reads the settings from the environment:
 * `HAYMAKER_LOGS_INGESTION_ENDPOINT`, `HAYMAKER_LOGS_DCR_IMMUTABLE_ID` (required);
 * `HAYMAKER_LOGS_RESOURCES_STREAM`, `HAYMAKER_LOGS_AGENT_LOGS_STREAM`, `HAYMAKER_LOGS_DEAD_LETTERS_STREAM`,
 * `HAYMAKER_LOGS_MAX_CONCURRENCY`, `HAYMAKER_LOGS_MAX_RETRIES`, `HAYMAKER_LOGS_RETRY_DELAY_MS`,
 * `HAYMAKER_LOGS_MAX_RETRY_DELAY_MS` (optional).
 */
export const logAnalyticsSettingsConfig: Config.Config<Record<string, unknown>> = Config.all({
  endpoint: Config.String("HAYMAKER_LOGS_INGESTION_ENDPOINT"),
  dataCollectionRuleId: Config.String("HAYMAKER_LOGS_DCR_IMMUTABLE_ID"),
  resourcesStream: optional(Config.String("HAYMAKER_LOGS_RESOURCES_STREAM")),
  agentLogsStream: optional(Config.String("HAYMAKER_LOGS_AGENT_LOGS_STREAM")),
  deadLettersStream: optional(Config.String("HAYMAKER_LOGS_DEAD_LETTERS_STREAM")),
  maxConcurrency: optional(Config.Int("HAYMAKER_LOGS_MAX_CONCURRENCY")),
  maxRetries: optional(Config.Int("HAYMAKER_LOGS_MAX_RETRIES")),
  retryDelayMs: optional(Config.Int("HAYMAKER_LOGS_RETRY_DELAY_MS")),
  maxRetryDelayMs: optional(Config.Int("HAYMAKER_LOGS_MAX_RETRY_DELAY_MS")),
}).pipe(
  // Absent optional settings must be missing keys, not `undefined` values, for the optionalKey schema.
  Config.map((values) => Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined))),
)
