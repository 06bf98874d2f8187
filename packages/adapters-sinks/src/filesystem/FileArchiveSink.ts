import { randomUUID } from "node:crypto"
import { constants } from "node:fs"
import { access, link, mkdir, readFile, unlink, writeFile } from "node:fs/promises"
import { dirname, join, resolve, sep } from "node:path"
import { ArchiveSink, layerFromConfig, type SinkRecord } from "@haymaker/domain"
import { Clock, type Config, Effect, Layer, Schema } from "effect"
import { type ArchiveObject, archiveObjects, type Placed, storeAll, storeObject } from "../archive/ArchiveObjects.ts"
import { ARCHIVE_LAYOUTS, type ArchiveLayout } from "../archive/BlobNames.ts"
import { probeError } from "../SinkFailures.ts"
import { FileSinkConfigError } from "./FileSinkConfig.ts"

export interface FileArchiveSinkOptions {
  readonly directory: string
  readonly layout?: ArchiveLayout | undefined
  readonly prefix?: string | undefined
}

const FileArchiveSettings = Schema.Struct({
  directory: Schema.NonEmptyString,
  layout: Schema.optional(Schema.Literals(ARCHIVE_LAYOUTS)),
  prefix: Schema.optional(Schema.String.check(Schema.isPattern(/^[A-Za-z0-9._=/-]{0,200}$/))),
})

/**
 * The ArchiveSink of the local profile: the blob archive's objects (names and lines) as files under
 * `{directory}/archive/`, each linked into place only if absent, so a retry that finds its file counts it as landed,
 * like `If-None-Match: *`.
 */
export const make = Effect.fnUntraced(function* (
  options: FileArchiveSinkOptions,
): Effect.fn.Return<ArchiveSink["Service"], FileSinkConfigError> {
  const settings = yield* Schema.decodeUnknownEffect(FileArchiveSettings)(options).pipe(
    Effect.mapError(
      (error) => new FileSinkConfigError({ message: `Invalid filesystem archive settings: ${error.message}` }),
    ),
  )
  const { directory } = settings
  const layout = settings.layout ?? "batched"
  const prefix = (settings.prefix ?? "events").replace(/^\/+|\/+$/g, "")
  const root = resolve(directory, "archive")
  // Temporary files live beside the archive (same filesystem, so they can be linked) but outside it.
  const staging = resolve(directory, ".staging")
  // Most messages of a run share an hour folder: create each once, not once per message.
  const folders = new Set<string>()
  const ensureFolder = async (folder: string) => {
    if (folders.has(folder)) return
    await mkdir(folder, { recursive: true })
    folders.add(folder)
  }

  /** Places a file whole under `name`, only if absent. */
  const place = async (name: string, content: string): Promise<Placed> => {
    const path = resolve(root, name)
    // Names are sanitised (no `..` segments); this guards the invariant rather than trusting it.
    if (!path.startsWith(root + sep)) return { error: new Error(`unsafe archive path ${path}`) }
    const folder = dirname(path)
    try {
      await Promise.all([ensureFolder(staging), ensureFolder(folder)])
      // Written whole under a temporary name, then linked into place: linking is atomic and fails when the name
      // exists, so a reader (or a retry) never finds a half-written file, and the first copy wins.
      const temporary = join(staging, `${randomUUID()}.tmp`)
      await writeFile(temporary, content, { flag: "wx" })
      try {
        await link(temporary, path).catch(async (error: { code?: string }) => {
          if (error.code !== "ENOENT") throw error
          // The folder went away since it was created (cleaned up by hand): create it again.
          folders.delete(folder)
          await ensureFolder(folder)
          await link(temporary, path)
        })
      } finally {
        await unlink(temporary).catch(() => undefined)
      }
      return "stored"
    } catch (error) {
      return (error as { code?: string }).code === "EEXIST" ? "exists" : { error }
    }
  }

  const read = (name: string) => readFile(resolve(root, name), "utf8").catch((error: unknown) => ({ error }))

  const store = (object: ArchiveObject) =>
    Effect.promise(() => storeObject(object, (name) => place(name, object.content), read))

  const write = Effect.fn("FileArchiveSink.write")(function* (records: ReadonlyArray<SinkRecord>) {
    const archivedAt = new Date(yield* Clock.currentTimeMillis).toISOString()
    yield* storeAll(archiveObjects(layout, prefix, records, archivedAt), store, 16)
  })

  const probe = Effect.tryPromise({
    try: async () => {
      await mkdir(root, { recursive: true })
      await access(root, constants.W_OK)
    },
    catch: (error) => probeError("Archive", error),
  })

  return ArchiveSink.of({ write, probe })
})

export const layer = (options: FileArchiveSinkOptions): Layer.Layer<ArchiveSink, FileSinkConfigError> =>
  Layer.effect(ArchiveSink, make(options))

/** {@link layer}, its options read from configuration (`fileSinkEnvConfig`: `HAYMAKER_LOCAL_SINK_DIR`). */
export const layerConfig: (
  config: Config.Wrap<FileArchiveSinkOptions>,
) => Layer.Layer<ArchiveSink, FileSinkConfigError | Config.ConfigError> = layerFromConfig(layer)
