import {
  type ArchiveEntry,
  decodeAgentEvent,
  decodeResourceRecord,
  isResourceEvent,
  isResourceEventType,
  type JsonObject,
  parseIsoTimestamp,
  type Resource,
  resourceFromEvent,
} from "@haymaker/domain"
import { DateTime, Predicate, Result } from "effect"

const isObject = (value: unknown): value is JsonObject => Predicate.isObject(value) && !Array.isArray(value)

const timeOf = (value: unknown): number | undefined =>
  typeof value === "string" ? parseIsoTimestamp(value) : undefined

/** Message ids and sequence numbers are strings today; anything else is rendered losslessly rather than dropped. */
const messageIdOf = (value: unknown): string | undefined =>
  value === undefined || value === null ? undefined : typeof value === "string" ? value : JSON.stringify(value)

const unreadable = (location: string, problem: string): ArchiveEntry => ({ _tag: "UnreadableLine", location, problem })

/**
 * Reads one archive line back (see {@link archiveRecord} for what the sinks write). Tolerant, since archives outlive
 * the code that wrote them: unknown fields are ignored, `message` may be missing, and a line of the seed's archive
 * (`{"resource": …, "archived_at": …}`, no event) still gives its Resource. A resource event without a `resource`
 * field is parsed again, with its event time standing in for a missing timestamp. Never throws: what cannot be read is
 * an `UnreadableLine` saying why.
 */
export const readArchiveLine = (text: string, location: string): ArchiveEntry => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return unreadable(location, `not JSON: ${(error as Error).message}`)
  }
  if (!isObject(json)) return unreadable(location, "not a JSON object")
  const event = isObject(json.event) ? json.event : undefined
  const stored = json.resource
  if (event === undefined && !isObject(stored)) return unreadable(location, "neither an event nor a resource")
  const message = isObject(json.message) ? json.message : undefined

  let resource: Resource | undefined
  if (isObject(stored)) {
    const decoded = decodeResourceRecord(stored)
    if (Result.isFailure(decoded)) return unreadable(location, `resource: ${decoded.failure}`)
    resource = decoded.success
  }
  // The time the sinks file a message under: the event's timestamp, else the broker's enqueued time.
  const eventTime =
    timeOf(event?.timestamp) ??
    timeOf(message?.enqueued_time) ??
    (resource === undefined
      ? undefined
      : DateTime.toEpochMillis(
          resource.status === "deleted" ? (resource.deletedAt ?? resource.createdAt) : resource.createdAt,
        )) ??
    timeOf(json.archived_at)
  if (eventTime === undefined) return unreadable(location, "no event time (timestamp, enqueued_time or archived_at)")

  if (resource === undefined && event !== undefined && isResourceEventType(event.event_type)) {
    const decoded = decodeAgentEvent(event)
    if (Result.isSuccess(decoded) && isResourceEvent(decoded.success)) {
      resource = resourceFromEvent(decoded.success, DateTime.makeUnsafe(eventTime))
    }
  }
  const eventType = event?.event_type
  return {
    _tag: "ArchivedEvent",
    location,
    messageId: messageIdOf(message?.message_id),
    sequenceNumber: messageIdOf(message?.sequence_number),
    eventTime,
    eventType: typeof eventType === "string" ? eventType : undefined,
    event: event ?? {},
    resource,
  }
}

const NEWLINE = 0x0a
const CARRIAGE_RETURN = 0x0d

/**
 * Splits an object's bytes into archive entries as they arrive, `\n`-separated (a `\r` before it is dropped; blank
 * lines are skipped), keeping only messages from `since` (epoch milliseconds) on. A chunk may end mid-line: the rest
 * waits for the next chunk. Splitting bytes rather than text is safe for UTF-8, where the newline byte never occurs
 * inside a character.
 */
export class ArchiveLineSplitter {
  /** Chunks of the line in progress, joined only once it is complete (a long line may span many chunks). */
  private pending: Array<Buffer> = []
  private line = 0
  private readonly name: string
  private readonly since: number | undefined

  constructor(name: string, since: number | undefined) {
    this.name = name
    this.since = since
  }

  /** The entries of the lines completed by `chunk`. */
  push(chunk: Buffer): Array<ArchiveEntry> {
    const entries: Array<ArchiveEntry> = []
    let start = 0
    let end = chunk.indexOf(NEWLINE)
    if (end !== -1 && this.pending.length > 0) {
      this.pending.push(chunk.subarray(0, end))
      const joined = Buffer.concat(this.pending)
      this.pending = []
      this.take(joined, 0, joined.length, entries)
      start = end + 1
      end = chunk.indexOf(NEWLINE, start)
    }
    while (end !== -1) {
      this.take(chunk, start, end, entries)
      start = end + 1
      end = chunk.indexOf(NEWLINE, start)
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start))
    return entries
  }

  /** The entry of a last line without a newline, if any. */
  end(): Array<ArchiveEntry> {
    const entries: Array<ArchiveEntry> = []
    if (this.pending.length > 0) {
      const joined = Buffer.concat(this.pending)
      this.pending = []
      this.take(joined, 0, joined.length, entries)
    }
    return entries
  }

  private take(data: Buffer, start: number, end: number, entries: Array<ArchiveEntry>): void {
    this.line++
    const stop = end > start && data[end - 1] === CARRIAGE_RETURN ? end - 1 : end
    if (stop === start) return
    const text = data.toString("utf8", start, stop)
    if (stop - start < 16 && text.trim() === "") return
    const entry = readArchiveLine(text, `${this.name}:${this.line}`)
    if (entry._tag === "ArchivedEvent" && this.since !== undefined && entry.eventTime < this.since) return
    entries.push(entry)
  }
}
