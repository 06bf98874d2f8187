import { ArchiveSink, type JsonObject, type SinkRecord } from "@haymaker/domain"
import { sinkRecord } from "@haymaker/testing"
import { Effect } from "effect"

/** The SinkRecords the worker would build for these events (message ids `m-{n}`, sequence numbers `n`). */
export const sinkRecordsOf = (events: ReadonlyArray<JsonObject>, firstSequence = 0): Array<SinkRecord> =>
  events.map((raw, i) =>
    sinkRecord(raw, { messageId: `m-${firstSequence + i}`, sequenceNumber: BigInt(firstSequence + i) }),
  )

/** Writes records through an ArchiveSink in batches, as the worker does. */
export const archiveAll = (records: ReadonlyArray<SinkRecord>, batchSize = 500) =>
  Effect.gen(function* () {
    const sink = yield* ArchiveSink
    for (let i = 0; i < records.length; i += batchSize) yield* sink.write(records.slice(i, i + batchSize))
  })
