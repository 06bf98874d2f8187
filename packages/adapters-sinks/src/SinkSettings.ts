import { durationConfig } from "@haymaker/domain"
import { Config, Schema } from "effect"

/** An optional setting: absent from the environment, it is `undefined` and the sink's default applies. */
export const optionalSetting = <A>(config: Config.Config<A>): Config.Config<A | undefined> =>
  config.pipe(Config.withDefault(undefined))

/** The Azure SDK's retry delays, which both sinks take: the first delay, doubling up to the maximum. */
export const SdkRetryDelays = {
  retryDelay: Schema.optional(Schema.Duration),
  maxRetryDelay: Schema.optional(Schema.Duration),
}

/** `<prefix>_RETRY_DELAY` and `<prefix>_MAX_RETRY_DELAY` (durations; the `…_MS` forms in milliseconds still work). */
export const sdkRetryDelaysEnv = (prefix: string) => ({
  retryDelay: optionalSetting(durationConfig(`${prefix}_RETRY_DELAY`)),
  maxRetryDelay: optionalSetting(durationConfig(`${prefix}_MAX_RETRY_DELAY`)),
})
