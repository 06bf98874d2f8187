import { Context, type Effect } from "effect"
import type { ProbeError } from "./ProbeError.ts"

/** One stored copy of a record, as far as the sink contract needs to recognise it. */
export interface StoredRecord {
  /** The record's key (its message's sequence number), as the sink stored it. */
  readonly key: string
  readonly messageId: string
  /** The `run_id` stored with the record (a resource row's, a log row's, or the archived event's). */
  readonly runId: string | undefined
}

/**
 * What the sink contracts need to observe beyond the port: what the sink stored. An adapter's test provides it next
 * to its sink, e.g. from the rows the local Logs Ingestion server accepted, or from the blobs in the Azurite container.
 */
export class SinkProbe extends Context.Service<
  SinkProbe,
  {
    /**
     * The stored copies of the records with these keys, one entry per copy: a sink that removes duplicates at query
     * time may hold several copies of a rewritten record. Called after a write completed.
     */
    readonly stored: (keys: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<StoredRecord>, ProbeError>
  }
>()("@haymaker/testing/contracts/SinkProbe") {}

/**
 * Fault injection for the sink contracts' failure cases, for sinks whose peer can fail on demand (the local Logs
 * Ingestion server's fault rules, the in-memory sinks). Records with the given keys must fail from now until `clear`;
 * the sink may fail other records of the same request with them, as long as it names every failed one.
 */
export class SinkFaultInjection extends Context.Service<
  SinkFaultInjection,
  {
    /** `transient`: the peer answers as when throttled or unavailable; `permanent`: as when it rejects the data. */
    readonly failRecords: (
      keys: ReadonlyArray<string>,
      kind: "transient" | "permanent",
    ) => Effect.Effect<void, ProbeError>
    readonly clear: Effect.Effect<void, ProbeError>
  }
>()("@haymaker/testing/contracts/SinkFaultInjection") {}
