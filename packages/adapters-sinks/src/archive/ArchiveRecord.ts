import { encodeResource, formatTimestamp, type SinkRecord } from "@haymaker/domain"
import { Option } from "effect"

/**
 * One archived message (one JSON line): the raw event verbatim, the Resource in the seed's `model_dump` shape when
 * there is one, the message metadata and `archived_at`. snake_case throughout, like the events themselves.
 */
export const archiveRecord = (record: SinkRecord, archivedAt: string) => ({
  message: {
    message_id: record.messageId,
    sequence_number: String(record.sequenceNumber),
    enqueued_time: formatTimestamp(record.enqueuedTime),
  },
  event: record.raw,
  resource: Option.isSome(record.resource) ? encodeResource(record.resource.value) : null,
  archived_at: archivedAt,
})

export const archiveLine = (record: SinkRecord, archivedAt: string): string =>
  `${JSON.stringify(archiveRecord(record, archivedAt))}\n`
