import { durationConfig } from "@haymaker/domain"
import { Config, Duration, Effect, Schema } from "effect"

/** What the sinks' settings share: optional settings, SDK bounds and retry delays, and validation. */

/** An optional setting: absent from the environment, it is `undefined` and the sink's default applies. */
export const optional = <A>(config: Config.Config<A>): Config.Config<A | undefined> =>
  config.pipe(Config.withDefault(undefined))

/** An optional whole-number setting (attempts, concurrency) within the bounds the sink accepts. */
export const optionalIntBetween = (minimum: number, maximum: number) =>
  Schema.optional(Schema.Int.check(Schema.isBetween({ minimum, maximum })))

/** The Azure SDK's retry delays, which both sinks take: the first delay, doubling up to the maximum. */
export const sdkRetryDelays = {
  retryDelay: Schema.optional(Schema.Duration),
  maxRetryDelay: Schema.optional(Schema.Duration),
}

/** `<prefix>_RETRY_DELAY` and `<prefix>_MAX_RETRY_DELAY` (durations; the `…_MS` forms in milliseconds still work). */
export const sdkRetryDelaysEnv = (prefix: string) => ({
  retryDelay: optional(durationConfig(`${prefix}_RETRY_DELAY`)),
  maxRetryDelay: optional(durationConfig(`${prefix}_MAX_RETRY_DELAY`)),
})

/** The retry delays with their defaults applied: one second first, doubling up to the SDK's own maximum. */
export const resolveSdkRetryDelays = (
  settings: {
    readonly retryDelay?: Duration.Duration | undefined
    readonly maxRetryDelay?: Duration.Duration | undefined
  },
  defaultMaxRetryDelay: Duration.Duration,
) => ({
  retryDelay: settings.retryDelay ?? Duration.seconds(1),
  maxRetryDelay: settings.maxRetryDelay ?? defaultMaxRetryDelay,
})

/** Validates a sink's settings with its schema; a bad one fails with the sink's configuration error. */
export const decode =
  <S extends Schema.Top & { readonly DecodingServices: never }, E>(
    schema: S,
    sink: string,
    configError: (message: string) => E,
  ) =>
  (input: unknown): Effect.Effect<S["Type"], E> =>
    Schema.decodeUnknownEffect(schema)(input).pipe(
      Effect.mapError((error) => configError(`Invalid ${sink} settings: ${error.message}`)),
    )
