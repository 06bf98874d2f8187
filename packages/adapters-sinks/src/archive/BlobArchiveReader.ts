import { ArchiveReadError, type ArchiveReadErrorReason, ArchiveReader, layerFromConfig } from "@haymaker/domain"
import { type Config, Effect, Layer } from "effect"
import { failureOf } from "../SinkFailures.ts"
import { type ArchiveSinkOptions, resolveArchiveSettings } from "./ArchiveConfig.ts"
import type { ArchiveConfigError } from "./ArchiveErrors.ts"
import { archiveReaderOf } from "./ArchiveObjectReader.ts"
import { safePrefix } from "./BlobNames.ts"
import { serviceClient } from "./BlobService.ts"

/** Blobs downloaded at the same time: enough to hide request latency, few enough to bound memory. */
const CONCURRENCY = 4

const reasonOf = (status: number | undefined): ArchiveReadErrorReason =>
  status === undefined
    ? "Unavailable"
    : status === 404
      ? "NotFound"
      : status === 401 || status === 403
        ? "Unauthorized"
        : "Unknown"

/**
 * The ArchiveReader over Blob Storage: lists the container under the archive's prefix and downloads each blob as a
 * stream, in any of the layouts the Blob archive sink writes (they are told apart by nothing but their names, which
 * only the `since` bound reads). Takes the sink's own settings (`HAYMAKER_ARCHIVE_*`); `layout` is not needed.
 */
export const make = Effect.fnUntraced(function* (
  options: ArchiveSinkOptions,
): Effect.fn.Return<ArchiveReader["Service"], ArchiveConfigError> {
  const { credential, ...input } = options
  const settings = yield* resolveArchiveSettings(input)
  const container = serviceClient(settings, credential).getContainerClient(settings.container)
  // The URL without its query: a SAS token must not reach a message.
  const endpoint = `${new URL(container.url).origin}${new URL(container.url).pathname}`
  const head = safePrefix(settings.prefix)
  const prefix = head === "" ? undefined : `${head}/`
  const description = `Blob container ${settings.container} at ${endpoint}${prefix === undefined ? "" : `, prefix ${head}`}`

  const failure = (error: unknown, name: string | undefined) => {
    const { status, code, reason } = failureOf("", error)
    const what =
      name === undefined
        ? code === "ContainerNotFound"
          ? `container ${settings.container} does not exist at ${endpoint}`
          : `cannot list ${endpoint}`
        : `cannot read blob ${name}`
    return new ArchiveReadError({
      reason: reasonOf(status),
      message: `Archive: ${what}: ${status === undefined ? "" : `${status} `}${reason}`,
    })
  }

  const open = async (name: string) => {
    try {
      const response = await container.getBlobClient(name).download(0, undefined, { maxRetryRequests: 3 })
      return response.readableStreamBody as AsyncIterable<Buffer> | undefined
    } catch (error) {
      // Removed since it was listed (a lifecycle rule, by hand): the archive no longer holds it.
      if (failureOf("", error).code === "BlobNotFound") return undefined
      throw error
    }
  }

  const names = async function* () {
    for await (const blob of container.listBlobsFlat(prefix === undefined ? {} : { prefix })) yield blob.name
  }

  return archiveReaderOf(description, { names, open, failure, concurrency: CONCURRENCY })
})

export const layer = (options: ArchiveSinkOptions): Layer.Layer<ArchiveReader, ArchiveConfigError> =>
  Layer.effect(ArchiveReader, make(options))

/** {@link layer}, its options read from configuration: the Blob archive sink's (`archiveEnvConfig`). */
export const layerConfig: (
  config: Config.Wrap<ArchiveSinkOptions>,
) => Layer.Layer<ArchiveReader, ArchiveConfigError | Config.ConfigError> = layerFromConfig(layer)
