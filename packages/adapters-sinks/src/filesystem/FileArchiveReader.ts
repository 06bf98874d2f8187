import { createReadStream, type Dirent } from "node:fs"
import { readdir, stat } from "node:fs/promises"
import { join, relative, resolve, sep } from "node:path"
import { ArchiveReadError, ArchiveReader, layerFromConfig } from "@haymaker/domain"
import { type Config, Effect, Layer, Schema } from "effect"
import { archiveEntries } from "../archive/ArchiveObjectReader.ts"
import { safePrefix } from "../archive/BlobNames.ts"
import { FileSinkConfigError } from "./FileSinkConfig.ts"

export interface FileArchiveReaderOptions {
  /** The filesystem sinks' folder: the archive is its `archive/` subfolder. */
  readonly directory: string
  readonly prefix?: string | undefined
}

const Settings = Schema.Struct({
  directory: Schema.NonEmptyString,
  prefix: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^[A-Za-z0-9._=/-]{0,200}$/))),
})

/**
 * Every file under `folder`, depth first, in name order (so time order within the layouts' folders, as a Blob listing
 * is), streamed folder by folder.
 */
async function* filesUnder(folder: string): AsyncGenerator<string> {
  let entries: Array<Dirent>
  try {
    entries = await readdir(folder, { withFileTypes: true })
  } catch (error) {
    // A folder removed since it was listed has nothing to read.
    if ((error as { code?: string }).code === "ENOENT") return
    throw error
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const entry of entries) {
    const path = join(folder, entry.name)
    if (entry.isDirectory()) yield* filesUnder(path)
    else if (entry.isFile()) yield path
  }
}

/**
 * The ArchiveReader of the local profile: the files the filesystem archive sink wrote under `{directory}/archive/`
 * (same names and lines as the Blob archive, in any layout), read as streams.
 */
export const make = Effect.fnUntraced(function* (
  options: FileArchiveReaderOptions,
): Effect.fn.Return<ArchiveReader["Service"], FileSinkConfigError> {
  const settings = yield* Schema.decodeUnknownEffect(Settings)(
    Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)),
  ).pipe(
    Effect.mapError(
      (error) => new FileSinkConfigError({ message: `Invalid filesystem archive settings: ${error.message}` }),
    ),
  )
  const root = resolve(settings.directory, "archive")
  const head = safePrefix((settings.prefix ?? "events").replace(/^\/+|\/+$/g, ""))
  const start = head === "" ? root : join(root, ...head.split("/"))

  const failure = (error: unknown, name: string | undefined) => {
    const code = (error as { code?: string }).code
    const missing = code === "ENOENT" || code === "ENOTDIR"
    return new ArchiveReadError({
      reason: missing ? "NotFound" : code === "EACCES" || code === "EPERM" ? "Unauthorized" : "Unknown",
      message:
        name === undefined && missing
          ? `Archive: no archive at ${start} (the filesystem sinks write it under HAYMAKER_LOCAL_SINK_DIR/archive)`
          : `Archive: cannot read ${name === undefined ? start : join(root, name)}: ${(error as Error).message}`,
    })
  }

  const names = async function* () {
    // A missing archive is the operator's to know about, not an empty report.
    await stat(start)
    for await (const path of filesUnder(start)) yield relative(root, path).split(sep).join("/")
  }

  const open = async (name: string) => {
    const path = resolve(root, name)
    // 64 KB reads: every read is a new Buffer outside the heap, and larger ones made V8 collect the old generation more
    // often (reading a million-event archive: 150 full collections at 256 KB, 42 at 64 KB), each marking the ledger.
    const stream = createReadStream(path, { highWaterMark: 64 * 1024 })
    // Opening is lazy: wait for it, so a file removed since it was listed reads as absent.
    return new Promise<AsyncIterable<Buffer> | undefined>((done, fail) => {
      stream.once("open", () => done(stream as AsyncIterable<Buffer>))
      stream.once("error", (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? done(undefined) : fail(error)))
    })
  }

  return ArchiveReader.of({
    description: `folder ${start}`,
    entries: (query) => archiveEntries({ names, open, failure, concurrency: 2 }, query),
  })
})

export const layer = (options: FileArchiveReaderOptions): Layer.Layer<ArchiveReader, FileSinkConfigError> =>
  Layer.effect(ArchiveReader, make(options))

/** {@link layer}, its options read from configuration (`fileSinkEnvConfig`: `HAYMAKER_LOCAL_SINK_DIR`). */
export const layerConfig: (
  config: Config.Wrap<FileArchiveReaderOptions>,
) => Layer.Layer<ArchiveReader, FileSinkConfigError | Config.ConfigError> = layerFromConfig(layer)
