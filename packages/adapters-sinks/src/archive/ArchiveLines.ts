import {
  type ArchiveEntry,
  decodeAgentEvent,
  decodeResourceRecord,
  isResourceEvent,
  isResourceEventType,
  type JsonObject,
  parseTimestamp,
  type Resource,
  resourceFromEvent,
} from "@haymaker/domain"
import { DateTime, Predicate, Result } from "effect"

const isObject = (value: unknown): value is JsonObject => Predicate.isObject(value) && !Array.isArray(value)

// Through parseTimestamp, which remembers the last text it read: a Resource's `created_at` is most often the same.
const timeOf = (value: unknown): number | undefined => {
  const timestamp = typeof value === "string" ? parseTimestamp(value) : undefined
  return timestamp === undefined ? undefined : DateTime.toEpochMillis(timestamp)
}

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
/** Bytes decoded into one string at a time (then cut into lines); well under V8's large-object size. */
const DECODE_BLOCK = 32 * 1024

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
 * Hands `emit` the entries of a batch's lines one by one, each as soon as its line is parsed (a `\r` before a newline
 * is dropped; blank lines are skipped), keeping only messages from `since` (epoch milliseconds) on; unreadable lines
 * are always kept.
 */
export const readLineBatch = (
  batch: LineBatch,
  since: number | undefined,
  emit: (entry: ArchiveEntry) => void,
): void => {
  const { bytes, name } = batch
  let line = batch.firstLine
  let block = 0
  while (block < bytes.length) {
    // Lines are decoded a block at a time, and each line is a slice of its block's text: one string per block to
    // allocate, not one per line. Blocks end at a newline, which is never inside a UTF-8 character.
    const cut = bytes.indexOf(NEWLINE, Math.min(block + DECODE_BLOCK, bytes.length - 1))
    const blockEnd = cut === -1 ? bytes.length : cut + 1
    const text = bytes.toString("utf8", block, blockEnd)
    let start = 0
    while (start < text.length) {
      const newline = text.indexOf("\n", start)
      const end = newline === -1 ? text.length : newline
      const stop = end > start && text.charCodeAt(end - 1) === CARRIAGE_RETURN ? end - 1 : end
      if (stop > start) {
        const lineText = text.slice(start, stop)
        if (stop - start >= 16 || lineText.trim() !== "") {
          const entry = readArchiveLine(lineText, `${name}:${line}`)
          if (entry._tag === "UnreadableLine" || since === undefined || entry.eventTime >= since) emit(entry)
        }
      }
      line++
      start = end + 1
    }
    block = blockEnd
  }
}
