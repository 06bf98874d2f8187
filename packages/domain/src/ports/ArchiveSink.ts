import { Context, type Effect } from "effect"
import type { SinkRecord } from "./SinkRecord.ts"
import type { SinkWriteError } from "./SinkWriteError.ts"

/**
 * Stores records for long-term retention (Blob Storage). Every stored copy carries its record's key (the sequence
 * number): retrying a write is harmless, and a redelivered message may add a copy that readers remove by that key.
 */
export class ArchiveSink extends Context.Service<
  ArchiveSink,
  {
    /** Succeeds when every record landed; otherwise fails naming the records that did not. */
    readonly write: (records: ReadonlyArray<SinkRecord>) => Effect.Effect<void, SinkWriteError>
    /**
     * Checks, storing nothing, that writes can land now: the service answers, takes the credential and has the
     * target. Fails as a write would (`Unavailable`, `Transient`; `failedKeys` empty). The worker probes a sink that
     * made it pause before it takes messages again.
     */
    readonly probe: Effect.Effect<void, SinkWriteError>
  }
>()("@haymaker/domain/ports/ArchiveSink") {}
