import {
  type ArchiveSinkOptions,
  archiveEnvConfig,
  redactedConnectionString,
  resolveArchiveSettings,
} from "@haymaker/adapters-sinks"
import { Config, ConfigProvider, Effect, Result } from "effect"
import { CommandError } from "../cli/CommandError.ts"
import { cliName, findLocalStack, stackChoice, stackNotRunning } from "../local/StackState.ts"
import { WorkerConfigError } from "./WorkerConfigError.ts"

/** Where the worker's archive is, for the commands that read it (`report`). */
export type ArchiveSource =
  | { readonly _tag: "Blob"; readonly options: ArchiveSinkOptions }
  | { readonly _tag: "Filesystem"; readonly directory: string; readonly prefix: string | undefined }

const nonEmpty = (value: string | undefined) => (value === undefined || value === "" ? undefined : value)

/**
 * The archive the worker's configuration names: `HAYMAKER_SINKS=filesystem` reads `HAYMAKER_LOCAL_SINK_DIR`
 * (default `.haymaker/sinks`); `HAYMAKER_ARCHIVE_CONNECTION_STRING` or `HAYMAKER_ARCHIVE_ACCOUNT_URL` (with the other
 * `HAYMAKER_ARCHIVE_*` settings) read Blob Storage; without either, the running local stack's Azurite (`local up`).
 * Otherwise there is nothing to read, and the error says what to set.
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
    // Nothing named: the archive of the local stack (`local up`), whose Azurite keeps its blobs across restarts.
    const local = yield* findLocalStack(stackChoice(env))
    if (local._tag === "Running") {
      const container = nonEmpty(env.HAYMAKER_ARCHIVE_CONTAINER)
      return {
        _tag: "Blob",
        options: {
          connectionString: redactedConnectionString(local.state.blobConnectionString),
          ...(container === undefined ? {} : { container }),
        },
      } satisfies ArchiveSource
    }
    if (local.state !== undefined) return yield* new CommandError({ message: stackNotRunning(env) })
    return yield* new WorkerConfigError({
      problems: [
        `HAYMAKER_ARCHIVE_CONNECTION_STRING or HAYMAKER_ARCHIVE_ACCOUNT_URL: the report reads the Blob archive the worker writes; or set HAYMAKER_SINKS=filesystem to read the archive under HAYMAKER_LOCAL_SINK_DIR (default .haymaker/sinks); or start the local stack, whose archive it reads by default: ${cliName(env)} local up`,
      ],
    })
  }
  const provider = ConfigProvider.fromEnvRecord(env as Record<string, string | undefined>)
  const options = yield* Effect.result(Config.unwrap(archiveEnvConfig).parse(provider))
  if (Result.isFailure(options)) return yield* new WorkerConfigError({ problems: [options.failure.message] })
  // Validated here with the adapter's own schema, so every problem is reported before anything is read.
  const valid = yield* Effect.result(resolveArchiveSettings(options.success))
  if (Result.isFailure(valid)) return yield* new WorkerConfigError({ problems: [valid.failure.message] })
  return { _tag: "Blob", options: options.success } satisfies ArchiveSource
})
