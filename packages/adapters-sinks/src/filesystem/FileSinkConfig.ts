import { Config, type Effect, Schema } from "effect"
import * as SinkSettings from "../SinkSettings.ts"

/** The filesystem sinks' configuration is unusable. */
export class FileSinkConfigError extends Schema.TaggedError<FileSinkConfigError>()("FileSinkConfigError", {
  message: Schema.String,
}) {}

export const FileSinkSettings = Schema.Struct({
  /** Folder that receives `log-analytics/` and `archive/` (created when missing). */
  directory: Schema.NonEmptyString,
})
export type FileSinkSettings = typeof FileSinkSettings.Type

export const resolveFileSinkSettings: (input: unknown) => Effect.Effect<FileSinkSettings, FileSinkConfigError> =
  SinkSettings.decode(FileSinkSettings, "filesystem sink", (message) => new FileSinkConfigError({ message }))

/**
 * The filesystem sinks' folder from the environment: `HAYMAKER_LOCAL_SINK_DIR`, default `.haymaker/sinks`
 * (git-ignored). `layerConfig(fileSinkEnvConfig)` is each filesystem sink (and reader) configured by it.
 */
export const fileSinkEnvConfig = {
  directory: Config.String("HAYMAKER_LOCAL_SINK_DIR").pipe(Config.withDefault(".haymaker/sinks")),
} satisfies Config.Wrap<FileSinkSettings>
