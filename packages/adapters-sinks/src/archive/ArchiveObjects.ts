import { createHash } from "node:crypto"
import type { SinkRecord } from "@haymaker/domain"
import { archiveLine } from "./ArchiveRecord.ts"
import { type ArchiveLayout, blobNameFor, hourFolder, partitionHour, safePrefix } from "./BlobNames.ts"

/** One object (blob or file) a write stores whole, and the records it holds. */
export interface ArchiveObject {
  readonly name: string
  readonly records: ReadonlyArray<SinkRecord>
  readonly content: string
}

/**
 * Names a batch by its message ids (sorted, so order does not matter): a retry of the same records maps to the same
 * name and finds the object the earlier attempt stored, while a different batch never collides with it.
 */
const batchKey = (records: ReadonlyArray<SinkRecord>): string => {
  const hash = createHash("sha256")
  for (const id of records.map((record) => record.messageId).sort()) hash.update(id).update("\n")
  return hash.digest("hex").slice(0, 32)
}

/**
 * What one write stores: in the per-message layouts (`partitioned`, `perEvent`) an object per distinct message id;
 * in `batched`, an object per hour folder holding a line per distinct message id of the write. A message repeated
 * within a write is stored once.
 */
export const archiveObjects = (
  layout: ArchiveLayout,
  prefix: string,
  records: ReadonlyArray<SinkRecord>,
  archivedAt: string,
): ReadonlyArray<ArchiveObject> => {
  const unique = [...new Map(records.map((record) => [record.messageId, record] as const)).values()]
  if (layout !== "batched") {
    return unique.map((record) => ({
      name: blobNameFor(layout, prefix, record),
      records: [record],
      content: archiveLine(record, archivedAt),
    }))
  }
  const byHour = new Map<number, Array<SinkRecord>>()
  for (const record of unique) {
    const hour = partitionHour(record)
    const group = byHour.get(hour)
    if (group === undefined) byHour.set(hour, [record])
    else group.push(record)
  }
  const head = safePrefix(prefix)
  return [...byHour].map(([hour, group]) => ({
    name: `${hourFolder(head, hour)}/${batchKey(group)}.jsonl`,
    records: group,
    content: group.map((record) => archiveLine(record, archivedAt)).join(""),
  }))
}

/** The content type of a layout's objects. */
export const archiveContentType = (layout: ArchiveLayout): string =>
  layout === "perEvent" ? "application/json" : "application/x-ndjson"
