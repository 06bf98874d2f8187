import {
  ArchiveSink,
  decodeAgentEvent,
  isResourceEvent,
  type JsonObject,
  resourceFromEvent,
  type SinkRecord,
  sinkRecordKey,
} from "@haymaker/domain"
import { DateTime, Effect, Option, Result } from "effect"

/** The SinkRecords the worker would build for these events (message ids `m-{n}`, enqueued at the event time). */
export const sinkRecordsOf = (events: ReadonlyArray<JsonObject>, firstSequence = 0): Array<SinkRecord> =>
  events.map((raw, i) => {
    const event = Result.getOrThrow(decodeAgentEvent(raw))
    const enqueuedTime = DateTime.makeUnsafe(typeof raw.timestamp === "string" ? raw.timestamp : 0)
    return {
      key: sinkRecordKey(BigInt(firstSequence + i)),
      messageId: `m-${firstSequence + i}`,
      sequenceNumber: BigInt(firstSequence + i),
      enqueuedTime,
      event,
      resource: isResourceEvent(event) ? Option.some(resourceFromEvent(event, enqueuedTime)) : Option.none(),
      raw,
    }
  })

/** Writes records through an ArchiveSink in batches, as the worker does. */
export const archiveAll = (records: ReadonlyArray<SinkRecord>, batchSize = 500) =>
  Effect.gen(function* () {
    const sink = yield* ArchiveSink
    for (let i = 0; i < records.length; i += batchSize) yield* sink.write(records.slice(i, i + batchSize))
  })
