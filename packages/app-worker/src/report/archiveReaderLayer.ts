import {
  type ArchiveConfigError,
  BlobArchiveReader,
  FileArchiveReader,
  type FileSinkConfigError,
} from "@haymaker/adapters-sinks"
import type { ArchiveReader } from "@haymaker/domain"
import type { Layer } from "effect"
import type { ArchiveSource } from "../config/ArchiveSource.ts"

/** The ArchiveReader of the archive the configuration names. */
export const archiveReaderLayer = (
  source: ArchiveSource,
): Layer.Layer<ArchiveReader, ArchiveConfigError | FileSinkConfigError> =>
  source._tag === "Blob"
    ? BlobArchiveReader.layer(source.options)
    : FileArchiveReader.layer({ directory: source.directory, prefix: source.prefix })
