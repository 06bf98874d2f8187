import type { ContainerClient } from "@azure/storage-blob"
import { ArchiveSink, layerFromConfig, type SinkRecord } from "@haymaker/domain"
import { Clock, type Config, Effect, Layer, type Scope } from "effect"
import { failureOf, probeError } from "../SinkFailures.ts"
import { type ArchiveSinkOptions, resolveArchiveSettings } from "./ArchiveConfig.ts"
import { ArchiveConfigError } from "./ArchiveErrors.ts"
import {
  type ArchiveObject,
  archiveContentType,
  archiveObjects,
  type Placed,
  storeAll,
  storeObject,
} from "./ArchiveObjects.ts"
import { serviceClient } from "./BlobService.ts"

interface ServiceError {
  readonly statusCode?: number
  readonly code?: string
}

/** The blob the probe asks to write (under the prefix), which it never does: see `probe`. */
const probeBlobName = "haymaker-write-probe"
/** An ETag no blob has (the service's are `0x` and 15 or more hex digits). */
const impossibleEtag = '"0x0"'

/** Creates the container when missing. `exists()` first: a principal scoped to the container may not create one. */
const ensureContainer = (container: ContainerClient) =>
  Effect.tryPromise({
    try: async (abortSignal) => {
      if (!(await container.exists({ abortSignal }))) await container.createIfNotExists({ abortSignal })
    },
    catch: (error) =>
      new ArchiveConfigError({
        message: `Archive sink: container ${container.containerName} is not usable: ${failureOf("", error).reason}`,
      }),
  })

/**
 * The ArchiveSink over Blob Storage. Each object of a write (see {@link archiveObjects}: one per batch and hour in the
 * default `batched` layout, one per message in the others) is uploaded whole under a deterministic name, only if
 * absent (`If-None-Match: *`): a retry that finds the object (409 BlobAlreadyExists) counts it as landed. The
 * container is created when missing, also when it disappears while the sink runs.
 */
export const make = Effect.fnUntraced(function* (
  options: ArchiveSinkOptions,
): Effect.fn.Return<ArchiveSink["Service"] & { readonly container: ContainerClient }, ArchiveConfigError, Scope.Scope> {
  const { credential, ...input } = options
  const settings = yield* resolveArchiveSettings(input)
  // The storage SDK pools sockets in its own keep-alive agent and has no close(): idle pooled sockets do not hold the
  // process open, so there is nothing for a finalizer to release.
  const container = serviceClient(settings, credential).getContainerClient(settings.container)
  yield* ensureContainer(container)
  const contentType = archiveContentType(settings.layout)

  const upload = (name: string, content: Buffer, abortSignal: AbortSignal): Promise<Placed> =>
    container
      .getBlockBlobClient(name)
      .upload(content, content.length, {
        abortSignal,
        conditions: { ifNoneMatch: "*" },
        blobHTTPHeaders: { blobContentType: contentType },
      })
      .then(
        (): Placed => "stored",
        (error: unknown): Placed => {
          const { statusCode, code } = (error ?? {}) as ServiceError
          return statusCode === 409 && code === "BlobAlreadyExists" ? "exists" : { error }
        },
      )

  const place = async (name: string, content: Buffer, signal: AbortSignal): Promise<Placed> => {
    const placed = await upload(name, content, signal)
    if (typeof placed !== "string" && (placed.error as ServiceError)?.code === "ContainerNotFound") {
      await container.createIfNotExists({ abortSignal: signal }).catch(() => undefined)
      return upload(name, content, signal)
    }
    return placed
  }

  const read = (name: string, abortSignal: AbortSignal) =>
    container
      .getBlockBlobClient(name)
      .downloadToBuffer(undefined, undefined, { abortSignal })
      .then(
        (buffer) => buffer.toString("utf8"),
        (error: unknown) => ({ error }),
      )

  const store = (object: ArchiveObject) =>
    Effect.promise((signal) => {
      // Encoded once: the SDK would encode a string again to send it, after we measured its length.
      const content = Buffer.from(object.content)
      return storeObject(
        object,
        (name) => place(name, content, signal),
        (name) => read(name, signal),
      )
    })

  const write = Effect.fn("ArchiveSink.write")(function* (records: ReadonlyArray<SinkRecord>) {
    const archivedAt = new Date(yield* Clock.currentTimeMillis).toISOString()
    yield* storeAll(
      archiveObjects(settings.layout, settings.prefix, records, archivedAt),
      store,
      settings.maxConcurrency,
    )
  })

  // Reads the container (creating it when missing): reachability, the credential and the target. Then asks to write
  // a blob only if it has an ETag no blob has: the service checks the permission to write before the condition, so a
  // credential that may read but not write (Storage Blob Data Reader, a read-only SAS) fails here with 403 instead of
  // passing and failing every write after it, while an allowed one gets 412 (404 where the service answers so for a
  // missing blob) and stores nothing.
  const writeProbe = container.getBlockBlobClient(
    `${settings.prefix === "" ? "" : `${settings.prefix}/`}${probeBlobName}`,
  )
  const probe = Effect.tryPromise({
    try: async (abortSignal) => {
      if (!(await container.exists({ abortSignal }))) await container.createIfNotExists({ abortSignal })
      await writeProbe.upload("", 0, { abortSignal, conditions: { ifMatch: impossibleEtag } }).then(
        () => undefined,
        (error: unknown) => {
          const { statusCode, code } = (error ?? {}) as ServiceError
          if (statusCode === 412 || (statusCode === 404 && code === "BlobNotFound")) return
          throw error
        },
      )
    },
    catch: (error) => probeError("Archive", error),
  }).pipe(Effect.withSpan("ArchiveSink.probe"))

  return { write, probe, container }
})

/** The Blob archive sink from explicit options (validated; a bad setting or unusable container fails the layer). */
export const layer = (options: ArchiveSinkOptions): Layer.Layer<ArchiveSink, ArchiveConfigError> =>
  Layer.effect(
    ArchiveSink,
    Effect.map(make(options), ({ write, probe }) => ArchiveSink.of({ write, probe })),
  )

/**
 * {@link layer}, its options read from configuration (a `Config` per field, or one for them all):
 * `layerConfig(archiveEnvConfig)` reads the `HAYMAKER_ARCHIVE_*` variables; with an account URL it authenticates with
 * `DefaultAzureCredential` unless the options give a `credential` (`Config.succeed(credential)`).
 */
export const layerConfig: (
  config: Config.Wrap<ArchiveSinkOptions>,
) => Layer.Layer<ArchiveSink, ArchiveConfigError | Config.ConfigError> = layerFromConfig(layer)
