import type { Dirent } from "node:fs"
import { type FileHandle, type FileReadResult, open as openFile, readdir, stat } from "node:fs/promises"
import { join, relative, resolve, sep } from "node:path"
import { ArchiveReadError, ArchiveReader, layerFromConfig } from "@haymaker/domain"
import { type Config, Effect, Layer, Schema } from "effect"
import { archiveReaderOf } from "../archive/ArchiveObjectReader.ts"
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

/** Bytes read at a time: large enough that the calls cost little, small enough to stay in the CPU's caches. */
const CHUNK_BYTES = 128 * 1024

/**
 * A file's bytes in chunks, read into two buffers in turn: the next chunk is read while the consumer parses the one
 * before, and no read allocates (fresh buffers per read are memory outside the heap that V8 answers with collections
 * of the old generation). A chunk is only valid until the next one is asked for, which is how the line batcher reads.
 */
async function* chunksOf(file: FileHandle): AsyncGenerator<Buffer> {
  let current = Buffer.allocUnsafeSlow(CHUNK_BYTES)
  let next = Buffer.allocUnsafeSlow(CHUNK_BYTES)
  let reading: Promise<FileReadResult<Buffer>> | undefined = file.read(current, 0, CHUNK_BYTES, null)
  try {
    for (;;) {
      const { bytesRead } = await reading
      reading = undefined
      if (bytesRead === 0) return
      ;[current, next] = [next, current]
      reading = file.read(current, 0, CHUNK_BYTES, null)
      yield next.subarray(0, bytesRead)
    }
  } finally {
    // A read in flight must settle before its file is closed.
    await reading?.catch(() => undefined)
    await file.close()
  }
}

/** {@link chunksOf} as an iterable that also closes its file when let go before its first read (opened ahead). */
const fileChunks = (file: FileHandle): AsyncIterable<Buffer> => ({
  [Symbol.asyncIterator]: () => {
    const chunks = chunksOf(file)
    let started = false
    return {
      next: () => {
        started = true
        return chunks.next()
      },
      // A generator never started does not run its `finally`.
      return: async () => (started ? chunks.return(undefined) : file.close().then(() => chunks.return(undefined))),
    }
  },
})

/**
 * The ArchiveReader of the local profile: the files the filesystem archive sink wrote under `{directory}/archive/`
 * (same names and lines as the Blob archive, in any layout), read in chunks.
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
    try {
      return fileChunks(await openFile(resolve(root, name), "r"))
    } catch (error) {
      // Removed since it was listed: the archive no longer holds it.
      if ((error as { code?: string }).code === "ENOENT") return undefined
      throw error
    }
  }

  return archiveReaderOf(`folder ${start}`, { names, open, failure, concurrency: 2 })
})

export const layer = (options: FileArchiveReaderOptions): Layer.Layer<ArchiveReader, FileSinkConfigError> =>
  Layer.effect(ArchiveReader, make(options))

/** {@link layer}, its options read from configuration (`fileSinkEnvConfig`: `HAYMAKER_LOCAL_SINK_DIR`). */
export const layerConfig: (
  config: Config.Wrap<FileArchiveReaderOptions>,
) => Layer.Layer<ArchiveReader, FileSinkConfigError | Config.ConfigError> = layerFromConfig(layer)
