import { Context, type Effect } from "effect"
import type { SinkRecord } from "./SinkRecord.ts"
import type { SinkWriteError } from "./SinkWriteError.ts"

/**
 * Stores records for long-term retention (Blob Storage). Every stored copy carries its message id: retrying a write
 * is harmless, and a redelivered message may add a copy that readers remove by message id.
 */
export class ArchiveSink extends Context.Service<
  ArchiveSink,
  {
    /** Succeeds when every record landed; otherwise fails naming the records that did not. */
    readonly write: (records: ReadonlyArray<SinkRecord>) => Effect.Effect<void, SinkWriteError>
  }
>()("@haymaker/domain/ports/ArchiveSink") {}
