import { ArchiveSink } from "@haymaker/domain"
import { Context, Effect, Layer } from "effect"
import { makeRecordingSink, type SinkRecorder } from "./RecordingSink.ts"

/** The recorder of the in-memory `ArchiveSink`: what it stored, and the faults it should produce. */
export class InMemoryArchive extends Context.Service<InMemoryArchive, SinkRecorder>()(
  "@haymaker/testing/InMemoryArchive",
) {
  /** An `ArchiveSink` that keeps the records in memory (sink name `Archive`), with its recorder. */
  static readonly layer: Layer.Layer<ArchiveSink | InMemoryArchive> = Layer.effectContext(
    Effect.sync(() => {
      const { write, probe, recorder } = makeRecordingSink("Archive")
      return Context.make(ArchiveSink, ArchiveSink.of({ write, probe })).pipe(Context.add(InMemoryArchive, recorder))
    }),
  )
}
