import type { SinkRecord } from "@haymaker/domain"
import { parseIsoTimestamp } from "@haymaker/domain"
import { Predicate } from "effect"

/**
 * The time a record is filed under, in epoch milliseconds: the event's own timestamp (read from the raw object, so it
 * is the same on every delivery), else the broker's enqueued time. Never the time of processing, which would change
 * on redelivery and break deterministic names.
 */
export const eventTimeMillis = (record: SinkRecord): number => {
  const timestamp = record.raw.timestamp
  return (
    (Predicate.isString(timestamp) ? parseIsoTimestamp(timestamp) : undefined) ?? record.enqueuedTime.epochMilliseconds
  )
}

/** {@link eventTimeMillis} as ISO-8601 UTC with milliseconds, the way every encoder of this package writes it. */
export const eventTimeIso = (record: SinkRecord): string => new Date(eventTimeMillis(record)).toISOString()

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
