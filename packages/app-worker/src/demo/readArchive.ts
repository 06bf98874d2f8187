import { type ArchivedEvent, ArchiveReader } from "@haymaker/domain"
import { Effect, Stream } from "effect"
import { archiveReaderLayer } from "../report/archiveReaderLayer.ts"
import type { SinkEndpoints } from "../WorkerLayers.ts"

/**
 * Every message in the archive the sinks of `endpoints` write, through the same ArchiveReader as the report: the
 * demo's and the tests' archives are small, so they are collected whole. A line that cannot be read is a defect here.
 */
export const readArchive = (sinks: SinkEndpoints) =>
  Effect.gen(function* () {
    const reader = yield* ArchiveReader
    const entries = yield* Stream.runCollect(reader.entries())
    return entries.map((entry): ArchivedEvent => {
      if (entry._tag === "UnreadableLine")
        throw new Error(`unreadable archive line ${entry.location}: ${entry.problem}`)
      return entry
    })
  }).pipe(
    Effect.provide(
      archiveReaderLayer(
        sinks._tag === "Filesystem"
          ? { _tag: "Filesystem", directory: sinks.directory, prefix: undefined }
          : { _tag: "Blob", options: sinks.archive },
      ),
    ),
  )
