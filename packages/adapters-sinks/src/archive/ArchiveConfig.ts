import type { TokenCredential } from "@azure/core-auth"
import { Config, Duration, Effect, Redacted, Schema } from "effect"
import * as SinkSettings from "../SinkSettings.ts"
import { ArchiveConfigError } from "./ArchiveErrors.ts"
import { ARCHIVE_LAYOUTS, type ArchiveLayout } from "./BlobNames.ts"

/** Azure container names: 3–63 of a-z, 0-9 and single hyphens, starting and ending with a letter or digit. */
const ContainerName = Schema.String.check(Schema.isPattern(/^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/))

/** What of the archive sink can come from configuration; `make` validates it with this schema. */
export const ArchiveSettings = Schema.Struct({
  /** Storage connection string (account key or SAS); a secret, so only ever held as Redacted. */
  connectionString: Schema.optional(
    Schema.Redacted(Schema.String.check(Schema.isPattern(/(AccountName=|BlobEndpoint=|UseDevelopmentStorage=)/i))),
  ),
  /** `https://<account>.blob.core.windows.net`, used with a TokenCredential (default DefaultAzureCredential). */
  accountUrl: Schema.optional(Schema.String.check(Schema.isPattern(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/))),
  container: Schema.optional(ContainerName),
  layout: Schema.optional(Schema.Literals(ARCHIVE_LAYOUTS)),
  /** First path segment(s) of every blob name (default `events`). */
  prefix: Schema.optional(Schema.String.check(Schema.isPattern(/^[A-Za-z0-9._=/-]{0,200}$/))),
  /** Concurrent blob uploads per write (default 16). */
  maxConcurrency: SinkSettings.optionalIntBetween(1, 256),
  /** Attempts per upload, first included (the storage SDK's maxTries, default 4). */
  maxTries: SinkSettings.optionalIntBetween(1, 20),
  /** The storage SDK's first delay between attempts (default 1 second), doubling up to `maxRetryDelay` (30 seconds). */
  ...SinkSettings.sdkRetryDelays,
})
export type ArchiveSettings = typeof ArchiveSettings.Type

export interface ArchiveSinkOptions extends ArchiveSettings {
  /** With `accountUrl`; default DefaultAzureCredential. */
  readonly credential?: TokenCredential | undefined
}

export interface ResolvedArchiveSettings {
  readonly target:
    | { readonly _tag: "ConnectionString"; readonly connectionString: Redacted.Redacted<string> }
    | { readonly _tag: "AccountUrl"; readonly accountUrl: string }
  readonly container: string
  readonly layout: ArchiveLayout
  readonly prefix: string
  readonly maxConcurrency: number
  readonly maxTries: number
  readonly retryDelay: Duration.Duration
  readonly maxRetryDelay: Duration.Duration
}

const decodeArchiveSettings = SinkSettings.decode(
  ArchiveSettings,
  "archive sink",
  (message) => new ArchiveConfigError({ message }),
)

export const resolveArchiveSettings = (
  options: ArchiveSettings,
): Effect.Effect<ResolvedArchiveSettings, ArchiveConfigError> =>
  Effect.gen(function* () {
    const settings = yield* decodeArchiveSettings(options)
    if ((settings.connectionString === undefined) === (settings.accountUrl === undefined)) {
      return yield* new ArchiveConfigError({
        message:
          "Archive sink: set exactly one of connectionString (HAYMAKER_ARCHIVE_CONNECTION_STRING) or accountUrl (HAYMAKER_ARCHIVE_ACCOUNT_URL)",
      })
    }
    return {
      target:
        settings.connectionString !== undefined
          ? { _tag: "ConnectionString", connectionString: settings.connectionString }
          : { _tag: "AccountUrl", accountUrl: settings.accountUrl ?? "" },
      container: settings.container ?? "haymaker-events",
      layout: settings.layout ?? "batched",
      prefix: (settings.prefix ?? "events").replace(/^\/+|\/+$/g, ""),
      maxConcurrency: settings.maxConcurrency ?? 16,
      maxTries: settings.maxTries ?? 4,
      ...SinkSettings.resolveSdkRetryDelays(settings, Duration.seconds(30)),
    } satisfies ResolvedArchiveSettings
  })

/**
 * The settings from the environment: `HAYMAKER_ARCHIVE_CONNECTION_STRING` (secret) or
 * `HAYMAKER_ARCHIVE_ACCOUNT_URL`; optional `HAYMAKER_ARCHIVE_CONTAINER`, `HAYMAKER_ARCHIVE_LAYOUT`,
 * `HAYMAKER_ARCHIVE_PREFIX`, `HAYMAKER_ARCHIVE_MAX_CONCURRENCY`, `HAYMAKER_ARCHIVE_MAX_TRIES`,
 * `HAYMAKER_ARCHIVE_RETRY_DELAY` and `HAYMAKER_ARCHIVE_MAX_RETRY_DELAY` (durations such as `2 seconds`; the
 * `…_MS` forms in milliseconds still work). `layerConfig(archiveEnvConfig)` is the sink configured by them.
 */
export const archiveEnvConfig = {
  connectionString: SinkSettings.optional(Config.Redacted("HAYMAKER_ARCHIVE_CONNECTION_STRING")),
  accountUrl: SinkSettings.optional(Config.String("HAYMAKER_ARCHIVE_ACCOUNT_URL")),
  container: SinkSettings.optional(Config.String("HAYMAKER_ARCHIVE_CONTAINER")),
  layout: SinkSettings.optional(Config.Literals(ARCHIVE_LAYOUTS, "HAYMAKER_ARCHIVE_LAYOUT")),
  prefix: SinkSettings.optional(Config.String("HAYMAKER_ARCHIVE_PREFIX")),
  maxConcurrency: SinkSettings.optional(Config.Int("HAYMAKER_ARCHIVE_MAX_CONCURRENCY")),
  maxTries: SinkSettings.optional(Config.Int("HAYMAKER_ARCHIVE_MAX_TRIES")),
  ...SinkSettings.sdkRetryDelaysEnv("HAYMAKER_ARCHIVE"),
} satisfies Config.Wrap<ArchiveSettings>

export const redactedConnectionString = (value: string): Redacted.Redacted<string> =>
  Redacted.make(value, { label: "HAYMAKER_ARCHIVE_CONNECTION_STRING" })
