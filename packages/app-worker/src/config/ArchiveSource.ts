import { type ArchiveSinkOptions, archiveSettingsConfig, resolveArchiveSettings } from "@haymaker/adapters-sinks"
import { ConfigProvider, Effect, Result } from "effect"
import { WorkerConfigError } from "./WorkerConfigError.ts"

/** Where the worker's archive is, for the commands that read it (`report`). */
export type ArchiveSource =
  | { readonly _tag: "Blob"; readonly options: ArchiveSinkOptions }
  | { readonly _tag: "Filesystem"; readonly directory: string; readonly prefix: string | undefined }

const nonEmpty = (value: string | undefined) => (value === undefined || value === "" ? undefined : value)

/**
 * The archive the worker's configuration names: `HAYMAKER_SINKS=filesystem` reads `HAYMAKER_LOCAL_SINK_DIR`
 * (default `.haymaker/sinks`); `HAYMAKER_ARCHIVE_CONNECTION_STRING` or `HAYMAKER_ARCHIVE_ACCOUNT_URL` (with the other
 * `HAYMAKER_ARCHIVE_*` settings) read Blob Storage. The local profile's Azurite lives only as long as the worker that
 * started it, so without either setting there is nothing to read, and the error says what to set.
 */
export const loadArchiveSource = Effect.fn("ArchiveSource.load")(function* (
  env: Readonly<Record<string, string | undefined>>,
) {
  const sinks = nonEmpty(env.HAYMAKER_SINKS)
  if (sinks === "filesystem") {
    return {
      _tag: "Filesystem",
      directory: nonEmpty(env.HAYMAKER_LOCAL_SINK_DIR) ?? ".haymaker/sinks",
      prefix: nonEmpty(env.HAYMAKER_ARCHIVE_PREFIX),
    } satisfies ArchiveSource
  }
  const blob = [env.HAYMAKER_ARCHIVE_CONNECTION_STRING, env.HAYMAKER_ARCHIVE_ACCOUNT_URL].some(
    (value) => nonEmpty(value) !== undefined,
  )
  if (!blob) {
    return yield* new WorkerConfigError({
      problems: [
        "HAYMAKER_ARCHIVE_CONNECTION_STRING or HAYMAKER_ARCHIVE_ACCOUNT_URL: the report reads the Blob archive the worker writes (the local profile prints Azurite's connection string while `haymaker-worker run` runs); or set HAYMAKER_SINKS=filesystem to read the archive under HAYMAKER_LOCAL_SINK_DIR (default .haymaker/sinks)",
      ],
    })
  }
  const provider = ConfigProvider.fromEnvRecord(env as Record<string, string | undefined>)
  const raw = yield* Effect.result(archiveSettingsConfig.parse(provider))
  if (Result.isFailure(raw)) return yield* new WorkerConfigError({ problems: [raw.failure.message] })
  // Validated here with the adapter's own schema, so every problem is reported before anything is read.
  const valid = yield* Effect.result(resolveArchiveSettings(raw.success))
  if (Result.isFailure(valid)) return yield* new WorkerConfigError({ problems: [valid.failure.message] })
  return { _tag: "Blob", options: raw.success as unknown as ArchiveSinkOptions } satisfies ArchiveSource
})
