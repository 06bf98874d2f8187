import { Config, Effect, Schema } from "effect"

/** The filesystem sinks' configuration is unusable. */
export class FileSinkConfigError extends Schema.TaggedError<FileSinkConfigError>()("FileSinkConfigError", {
  message: Schema.String,
}) {}

export const FileSinkSettings = Schema.Struct({
  /** Folder that receives `log-analytics/` and `archive/` (created when missing). */
  directory: Schema.NonEmptyString,
})
export type FileSinkSettings = typeof FileSinkSettings.Type

export const resolveFileSinkSettings = (input: unknown): Effect.Effect<FileSinkSettings, FileSinkConfigError> =>
  Schema.decodeUnknownEffect(FileSinkSettings)(input).pipe(
    Effect.mapError(
      (error) => new FileSinkConfigError({ message: `Invalid filesystem sink settings: ${error.message}` }),
    ),
  )

/** `HAYMAKER_LOCAL_SINK_DIR`, default `.haymaker/sinks` (git-ignored). */
export const fileSinkSettingsConfig: Config.Config<FileSinkSettings> = Config.all({
  directory: Config.String("HAYMAKER_LOCAL_SINK_DIR").pipe(Config.withDefault(".haymaker/sinks")),
})
