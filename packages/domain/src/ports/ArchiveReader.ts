import { Context, type DateTime, type Effect, Schema, type Stream } from "effect"
import type { JsonObject } from "../JsonObject.ts"
import type { Resource } from "../Resource.ts"
import { portErrorFields } from "./PortError.ts"

/** One archived message read back: the event as received and, for a resource event, the Resource the worker parsed. */
export interface ArchivedEvent {
  readonly _tag: "ArchivedEvent"
  /** Where it was read: the object (blob or file) name and the line, `events/…/3f2a….jsonl:17`. */
  readonly location: string
  /** The message id the publisher set, as archived; not unique (two events may share one). */
  readonly messageId: string | undefined
  /**
   * The broker's sequence number, as decimal text: what identifies a message. A redelivered message may be archived
   * twice, with the same sequence number.
   */
  readonly sequenceNumber: string | undefined
  /** The event's own timestamp, else the message's enqueued time, in epoch milliseconds: what the archive files by. */
  readonly eventTime: number
  /** The `event_type` field, when it is a string. */
  readonly eventType: string | undefined
  /** The JSON object exactly as received. */
  readonly event: JsonObject
  /** The Resource of a resource event, as the worker parsed it when it archived the message. */
  readonly resource: Resource | undefined
}

/** A line of the archive that is not an archived message (damaged, or written by something else). */
export interface UnreadableLine {
  readonly _tag: "UnreadableLine"
  readonly location: string
  /** What is wrong with it, for the operator. */
  readonly problem: string
}

export type ArchiveEntry = ArchivedEvent | UnreadableLine

/** What to read. */
export interface ArchiveQuery {
  /**
   * Only messages whose event time ({@link ArchivedEvent.eventTime}) is at or after this instant. Readers skip
   * whole objects that the layouts file under earlier hours, so a bound makes a long-lived archive cheap to read.
   */
  readonly since?: DateTime.Utc | undefined
}

export const ArchiveReadErrorReason = Schema.Literals([
  /** The container, folder or account does not exist. */
  "NotFound",
  /** The credentials were rejected or lack read rights. */
  "Unauthorized",
  /** The storage could not be reached (DNS, TCP, TLS, timeouts). */
  "Unavailable",
  "Unknown",
])
export type ArchiveReadErrorReason = typeof ArchiveReadErrorReason.Type

/** Reading the archive failed as a whole (a damaged line is an {@link UnreadableLine}, not an error). */
export class ArchiveReadError extends Schema.TaggedError<ArchiveReadError>()(
  "ArchiveReadError",
  portErrorFields(ArchiveReadErrorReason),
) {}

/**
 * Reads back what an `ArchiveSink` stored (Blob Storage, or the filesystem of the local profile), in whichever layout
 * it was written. Entries come in no particular order, possibly with duplicates (a redelivered message): fold them
 * with something that does not care, like the resource ledger.
 */
export class ArchiveReader extends Context.Service<
  ArchiveReader,
  {
    /** Where the archive is, for the operator (`Blob container haymaker-events at https://…, prefix events`). */
    readonly description: string
    /** Every archived message (and every unreadable line), streamed: memory stays bounded by one object at a time. */
    readonly entries: (query?: ArchiveQuery) => Stream.Stream<ArchiveEntry, ArchiveReadError>
    /**
     * The same entries handed to `f` one by one, each as soon as its line is read: the way to fold a large archive
     * (the leak report), since nothing of a line outlives the call unless `f` keeps it. `f` must not throw.
     */
    readonly forEach: (query: ArchiveQuery, f: (entry: ArchiveEntry) => void) => Effect.Effect<void, ArchiveReadError>
  }
>()("@haymaker/domain/ports/ArchiveReader") {}
