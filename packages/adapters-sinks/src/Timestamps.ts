import { formatTimestamp, type SinkRecord, timestampOf } from "@haymaker/domain"
import type { DateTime } from "effect"

/**
 * The time a record is filed under: the event's own timestamp (the same on every delivery), else the broker's
 * enqueued time. Never the time of processing, which would change on redelivery and break deterministic names.
 */
const eventTime = (record: SinkRecord): DateTime.Utc => timestampOf(record.event) ?? record.enqueuedTime

/** {@link eventTime} in epoch milliseconds. */
export const eventTimeMillis = (record: SinkRecord): number => eventTime(record).epochMilliseconds

/** {@link eventTime} as ISO-8601 UTC with milliseconds, the way every encoder of this package writes it. */
export const eventTimeIso = (record: SinkRecord): string => formatTimestamp(eventTime(record))

/** UTC calendar parts of an instant (epoch milliseconds), zero-padded, for partitioned names. */
export const utcParts = (millis: number) => {
  const date = new Date(millis)
  const pad = (n: number) => String(n).padStart(2, "0")
  return {
    year: String(date.getUTCFullYear()).padStart(4, "0"),
    month: pad(date.getUTCMonth() + 1),
    day: pad(date.getUTCDate()),
    hour: pad(date.getUTCHours()),
  }
}
