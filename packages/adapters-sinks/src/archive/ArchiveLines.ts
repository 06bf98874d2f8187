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

/** Whole lines of an archive object, as bytes: what travels from reading (concurrent, buffered) to parsing. */
export interface LineBatch {
  readonly name: string
  /** Number of the batch's first line in its object, from 1. */
  readonly firstLine: number
  /** Whole lines, `\n`-separated (the object's last line may lack its newline). */
  readonly bytes: Buffer
}

const countLines = (bytes: Buffer): number => {
  let lines = 0
  for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) lines++
  return bytes.length > 0 && bytes[bytes.length - 1] !== NEWLINE ? lines + 1 : lines
}

/**
 * Cuts an object's bytes, as they arrive in chunks, into batches of whole lines. A chunk may end mid-line: the rest
 * is copied to wait for the next chunk, and the line it completes is a batch of its own, so no chunk is copied whole.
 * A batch of a chunk's own lines is a view of the chunk: read it before the chunk's buffer is used again (a reader may
 * read into the same buffers over and over). Cutting bytes rather than text is safe for UTF-8, where the newline byte
 * never occurs inside a character.
 */
export class ArchiveLineBatcher {
  /** Chunks of the line in progress, joined only once it is complete (a long line may span many chunks). */
  private pending: Array<Buffer> = []
  private lines = 0
  private readonly name: string

  constructor(name: string) {
    this.name = name
  }

  /** The batches of the lines completed by `chunk`. */
  push(chunk: Buffer): Array<LineBatch> {
    const batches: Array<LineBatch> = []
    let start = 0
    if (this.pending.length > 0) {
      const first = chunk.indexOf(NEWLINE)
      if (first === -1) {
        this.pending.push(Buffer.from(chunk))
        return batches
      }
      batches.push(this.batch(Buffer.concat([...this.pending, chunk.subarray(0, first + 1)])))
      this.pending = []
      start = first + 1
    }
    const last = chunk.lastIndexOf(NEWLINE)
    if (last >= start) batches.push(this.batch(chunk.subarray(start, last + 1)))
    const rest = Math.max(start, last + 1)
    if (rest < chunk.length) this.pending.push(Buffer.from(chunk.subarray(rest)))
    return batches
  }

  /** The batch of a last line without a newline, if any. */
  end(): Array<LineBatch> {
    if (this.pending.length === 0) return []
    const last = this.batch(Buffer.concat(this.pending))
    this.pending = []
    return [last]
  }

  private batch(bytes: Buffer): LineBatch {
    const batch = { name: this.name, firstLine: this.lines + 1, bytes }
    this.lines += countLines(bytes)
    return batch
  }
}

/**
 * The entries of a batch's lines (a `\r` before a newline is dropped; blank lines are skipped), keeping only messages
 * from `since` (epoch milliseconds) on; unreadable lines are always kept. Appended to `entries` when given.
 */
export const readLineBatch = (
  batch: LineBatch,
  since: number | undefined,
  entries: Array<ArchiveEntry> = [],
): Array<ArchiveEntry> => {
  const { bytes, name } = batch
  let line = batch.firstLine
  let start = 0
  while (start < bytes.length) {
    const newline = bytes.indexOf(NEWLINE, start)
    const end = newline === -1 ? bytes.length : newline
    const stop = end > start && bytes[end - 1] === CARRIAGE_RETURN ? end - 1 : end
    if (stop > start) {
      const text = bytes.toString("utf8", start, stop)
      if (stop - start >= 16 || text.trim() !== "") {
        const entry = readArchiveLine(text, `${name}:${line}`)
        if (entry._tag === "UnreadableLine" || since === undefined || entry.eventTime >= since) entries.push(entry)
      }
    }
    line++
    start = end + 1
  }
  return entries
}
