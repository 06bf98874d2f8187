import type { TokenCredential } from "@azure/core-auth"
import { Config, Effect, Redacted, Schema } from "effect"
import { ArchiveConfigError } from "./ArchiveErrors.ts"
import { ARCHIVE_LAYOUTS, type ArchiveLayout } from "./BlobNames.ts"

/** Azure container names: 3–63 of a-z, 0-9 and single hyphens, starting and ending with a letter or digit. */
const ContainerName = Schema.String.check(Schema.isPattern(/^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/))

export const ArchiveSettings = Schema.Struct({
  /** Storage connection string (account key or SAS); a secret, so only ever held as Redacted. */
  connectionString: Schema.optionalKey(
    Schema.Redacted(Schema.String.check(Schema.isPattern(/(AccountName=|BlobEndpoint=|UseDevelopmentStorage=)/i))),
  ),
  /** `https://<account>.blob.core.windows.net`, used with a TokenCredential (default DefaultAzureCredential). */
  accountUrl: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/))),
  container: Schema.optionalKey(ContainerName),
  layout: Schema.optionalKey(Schema.Literals(ARCHIVE_LAYOUTS)),
  /** First path segment(s) of every blob name (default `events`). */
  prefix: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^[A-Za-z0-9._=/-]{0,200}$/))),
  /** Concurrent blob uploads per write (default 16). */
  maxConcurrency: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 256 }))),
  /** Attempts per upload, first included (the storage SDK's maxTries, default 4). */
  maxTries: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 20 }))),
  retryDelayMs: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  maxRetryDelayMs: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
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
  readonly retryDelayMs: number
  readonly maxRetryDelayMs: number
}

export const resolveArchiveSettings = (input: unknown): Effect.Effect<ResolvedArchiveSettings, ArchiveConfigError> =>
  Effect.gen(function* () {
    const settings = yield* Schema.decodeUnknownEffect(ArchiveSettings)(input).pipe(
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
      retryDelayMs: settings.retryDelayMs ?? 1_000,
      maxRetryDelayMs: settings.maxRetryDelayMs ?? 30_000,
    } satisfies ResolvedArchiveSettings
  })

const optional = <A>(config: Config.Config<A>) => config.pipe(Config.withDefault(undefined))

/**
 * Reads the settings from the environment: `HAYMAKER_ARCHIVE_CONNECTION_STRING` (secret) or
 * `HAYMAKER_ARCHIVE_ACCOUNT_URL`; optional `HAYMAKER_ARCHIVE_CONTAINER`, `HAYMAKER_ARCHIVE_LAYOUT`,
 * `HAYMAKER_ARCHIVE_PREFIX`, `HAYMAKER_ARCHIVE_MAX_CONCURRENCY`, `HAYMAKER_ARCHIVE_MAX_TRIES`,
 * `HAYMAKER_ARCHIVE_RETRY_DELAY_MS`, `HAYMAKER_ARCHIVE_MAX_RETRY_DELAY_MS`.
 */
export const archiveSettingsConfig: Config.Config<Record<string, unknown>> = Config.all({
  connectionString: optional(Config.Redacted("HAYMAKER_ARCHIVE_CONNECTION_STRING")),
  accountUrl: optional(Config.String("HAYMAKER_ARCHIVE_ACCOUNT_URL")),
  container: optional(Config.String("HAYMAKER_ARCHIVE_CONTAINER")),
  layout: optional(Config.String("HAYMAKER_ARCHIVE_LAYOUT")),
  prefix: optional(Config.String("HAYMAKER_ARCHIVE_PREFIX")),
  maxConcurrency: optional(Config.Int("HAYMAKER_ARCHIVE_MAX_CONCURRENCY")),
  maxTries: optional(Config.Int("HAYMAKER_ARCHIVE_MAX_TRIES")),
  retryDelayMs: optional(Config.Int("HAYMAKER_ARCHIVE_RETRY_DELAY_MS")),
  maxRetryDelayMs: optional(Config.Int("HAYMAKER_ARCHIVE_MAX_RETRY_DELAY_MS")),
}).pipe(Config.map((values) => Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined))))

export const redactedConnectionString = (value: string): Redacted.Redacted<string> =>
  Redacted.make(value, { label: "HAYMAKER_ARCHIVE_CONNECTION_STRING" })
