import type { TokenCredential } from "@azure/core-auth"
import { Config, Duration, Effect, Redacted, Schema } from "effect"
import { optionalSetting as optional, SdkRetryDelays, sdkRetryDelaysEnv } from "../SdkRetrySettings.ts"
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
  maxConcurrency: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 256 }))),
  /** Attempts per upload, first included (the storage SDK's maxTries, default 4). */
  maxTries: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 20 }))),
  /** The storage SDK's first delay between attempts (default 1 second), doubling up to `maxRetryDelay` (30 seconds). */
  ...SdkRetryDelays,
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

export const resolveArchiveSettings = (
  options: ArchiveSettings,
): Effect.Effect<ResolvedArchiveSettings, ArchiveConfigError> =>
  Effect.gen(function* () {
    const settings = yield* Schema.decodeUnknownEffect(ArchiveSettings)(options).pipe(
      Effect.mapError(
        (error) => new ArchiveConfigError({ message: `Invalid archive sink settings: ${error.message}` }),
      ),
    )
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
      retryDelay: settings.retryDelay ?? Duration.seconds(1),
      maxRetryDelay: settings.maxRetryDelay ?? Duration.seconds(30),
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
  connectionString: optional(Config.Redacted("HAYMAKER_ARCHIVE_CONNECTION_STRING")),
  accountUrl: optional(Config.String("HAYMAKER_ARCHIVE_ACCOUNT_URL")),
  container: optional(Config.String("HAYMAKER_ARCHIVE_CONTAINER")),
  layout: optional(Config.Literals(ARCHIVE_LAYOUTS, "HAYMAKER_ARCHIVE_LAYOUT")),
  prefix: optional(Config.String("HAYMAKER_ARCHIVE_PREFIX")),
  maxConcurrency: optional(Config.Int("HAYMAKER_ARCHIVE_MAX_CONCURRENCY")),
  maxTries: optional(Config.Int("HAYMAKER_ARCHIVE_MAX_TRIES")),
  ...sdkRetryDelaysEnv("HAYMAKER_ARCHIVE"),
} satisfies Config.Wrap<ArchiveSettings>

export const redactedConnectionString = (value: string): Redacted.Redacted<string> =>
  Redacted.make(value, { label: "HAYMAKER_ARCHIVE_CONNECTION_STRING" })
