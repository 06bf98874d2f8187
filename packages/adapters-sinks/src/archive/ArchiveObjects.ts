import { createHash } from "node:crypto"
import type { SinkRecord, SinkWriteError } from "@haymaker/domain"
import { Effect } from "effect"
import { type FailedMessage, failureOf, sinkWriteError, unencodable } from "../SinkFailures.ts"
import { archiveLine } from "./ArchiveRecord.ts"
import {
  type ArchiveLayout,
  blobNameFor,
  hourFolder,
  MAX_BLOB_NAME_LENGTH,
  partitionHour,
  safePrefix,
  shortHash,
} from "./BlobNames.ts"

/** One object (blob or file) a write stores whole, and the records it holds. */
export interface ArchiveObject {
  readonly name: string
  readonly records: ReadonlyArray<SinkRecord>
  readonly content: string
  /**
   * Where the object goes when `name` already holds another message: set where names do not come from the record's
   * key (`perEvent`: two events of one resource may share a timestamp), so such a collision cannot lose one of them.
   */
  readonly alternateName: string | undefined
}

/** Whether an archive object's content (JSON lines) is the line of the given record, as stored by an earlier try. */
export const holdsRecord = (content: string, key: string): boolean => {
  const end = content.indexOf("\n")
  try {
    const first = JSON.parse(end === -1 ? content : content.slice(0, end)) as {
      message?: { sequence_number?: unknown }
    }
    return first.message?.sequence_number === key
  } catch {
    return false
  }
}

/** `name` with `~{hash of the record's key}` before its extension, still within Azure's length limit. */
const withSuffix = (name: string, key: string): string => {
  const dot = name.lastIndexOf(".")
  const [base, extension] = dot > name.lastIndexOf("/") ? [name.slice(0, dot), name.slice(dot)] : [name, ""]
  const suffix = `~${shortHash(key)}`
  return `${base.slice(0, MAX_BLOB_NAME_LENGTH - suffix.length - extension.length)}${suffix}${extension}`
}

/**
 * Names a batch by its records' keys (sorted, so order does not matter): a retry of the same records maps to the same
 * name and finds the object the earlier attempt stored, while a different batch never collides with it.
 */
const batchKey = (records: ReadonlyArray<SinkRecord>): string => {
  const hash = createHash("sha256")
  for (const key of records.map((record) => record.key).sort()) hash.update(key).update("\n")
  return hash.digest("hex").slice(0, 32)
}

/** What one write stores, and the records it refuses because they cannot be written as JSON. */
export interface ArchiveWrite {
  readonly objects: ReadonlyArray<ArchiveObject>
  readonly refused: ReadonlyArray<FailedMessage>
}

/**
 * What one write stores: in the per-message layouts (`partitioned`, `perEvent`) an object per distinct record key;
 * in `batched`, an object per hour folder holding a line per distinct key of the write. A message repeated within a
 * write (the same key) is stored once; distinct events that share a message id are all stored. A record whose line
 * cannot be written (JSON.stringify throws) is refused alone; the others are stored.
 */
export const archiveObjects = (
  layout: ArchiveLayout,
  prefix: string,
  records: ReadonlyArray<SinkRecord>,
  archivedAt: string,
): ArchiveWrite => {
  const lines = new Map<SinkRecord, string>()
  const refused: Array<FailedMessage> = []
  for (const record of new Map(records.map((record) => [record.key, record] as const)).values()) {
    try {
      lines.set(record, archiveLine(record, archivedAt))
    } catch (error) {
      refused.push(unencodable(record.key, error))
    }
  }
  if (layout !== "batched") {
    const objects = [...lines].map(([record, content]) => {
      const name = blobNameFor(layout, prefix, record)
      return {
        name,
        records: [record],
        content,
        alternateName: layout === "perEvent" ? withSuffix(name, record.key) : undefined,
      }
    })
    return { objects, refused }
  }
  const byHour = new Map<number, Array<SinkRecord>>()
  for (const record of lines.keys()) {
    const hour = partitionHour(record)
    const group = byHour.get(hour)
    if (group === undefined) byHour.set(hour, [record])
    else group.push(record)
  }
  const head = safePrefix(prefix)
  const objects = [...byHour].map(([hour, group]) => ({
    name: `${hourFolder(head, hour)}/${batchKey(group)}.jsonl`,
    records: group,
    content: group.map((record) => lines.get(record)).join(""),
    alternateName: undefined,
  }))
  return { objects, refused }
}

/** What placing an object under a name did: stored it, found the name taken, or failed. */
export type Placed = "stored" | "exists" | { readonly error: unknown }

/**
 * Stores an object whole under its name, only if absent, through a sink's `place` and `read`. A taken name counts
 * as landed (an earlier try of the same records), except where names are not made from the record's key: there the
 * sink reads what holds the name, and stores the object beside it when that is another message. Answers the error
 * when the object did not land, `undefined` when it did.
 */
export const storeObject = async (
  object: ArchiveObject,
  place: (name: string) => Promise<Placed>,
  read: (name: string) => Promise<string | { readonly error: unknown }>,
): Promise<unknown> => {
  const placed = await place(object.name)
  if (placed === "stored") return undefined
  if (placed !== "exists") return placed.error
  const [record] = object.records
  if (object.alternateName === undefined || record === undefined) return undefined
  const existing = await read(object.name)
  if (typeof existing !== "string") return existing.error
  if (holdsRecord(existing, record.key)) return undefined
  const beside = await place(object.alternateName)
  return typeof beside === "string" ? undefined : beside.error
}

/**
 * Stores every object of a write, `concurrency` at a time (`store` answers the error of an object that did not
 * land); fails naming every record of those objects, and the records the write refused.
 */
export const storeAll = (
  { objects, refused }: ArchiveWrite,
  store: (object: ArchiveObject) => Effect.Effect<unknown>,
  concurrency: number,
): Effect.Effect<void, SinkWriteError> =>
  Effect.gen(function* () {
    const errors = yield* Effect.forEach(objects, store, { concurrency })
    const failed: Array<FailedMessage> = [...refused]
    errors.forEach((error, i) => {
      if (error === undefined) return
      for (const record of objects[i]?.records ?? []) failed.push(failureOf(record.key, error))
    })
    if (failed.length > 0) {
      const total = objects.reduce((n, object) => n + object.records.length, refused.length)
      return yield* sinkWriteError("Archive", failed, total)
    }
  })

/** The content type of a layout's objects. */
export const archiveContentType = (layout: ArchiveLayout): string =>
  layout === "perEvent" ? "application/json" : "application/x-ndjson"
