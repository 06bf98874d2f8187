import { createHash } from "node:crypto"
import type { SinkRecord } from "@haymaker/domain"
import { Option } from "effect"
import { eventTimeIso, eventTimeMillis, utcParts } from "../Timestamps.ts"

/** Azure's limit on a blob name. */
export const MAX_BLOB_NAME_LENGTH = 1024
/** Azure's limit on path segments in a blob name. */
export const MAX_BLOB_NAME_SEGMENTS = 254

/**
 * - `batched` (default): `{prefix}/y=YYYY/m=MM/d=DD/h=HH/{batch key}.jsonl`, one object per write and hour, a JSON
 *   line per message, in the style of Azure's own archives (diagnostic settings, Event Hubs Capture). A redelivered
 *   message lands again in a later batch: remove duplicates by `message.sequence_number` when reading.
 * - `partitioned`: `{prefix}/y=YYYY/m=MM/d=DD/h=HH/{sequence number}.jsonl`, one object per message, so a redelivery
 *   finds its object and the archive holds exactly one copy, at one upload per message. (Named by the broker's
 *   sequence number, not the message id: two events may share an id.)
 * - `perEvent`: the seed's `{prefix}/{timestamp}/{resource_id}.json` (messages without a resource use their sequence
 *   number).
 */
export type ArchiveLayout = "batched" | "partitioned" | "perEvent"

export const ARCHIVE_LAYOUTS: ReadonlyArray<ArchiveLayout> = ["batched", "partitioned", "perEvent"]

// Letters and digits of any script, plus ASCII punctuation that needs no escaping in a URL path.
const UNSAFE = /[^\p{L}\p{M}\p{N}._\-=/:@+,~]/gu

/** 12 hex digits of SHA-256: what names append to stay distinct (`~3f2a9c01b4de`). */
export const shortHash = (value: string) => createHash("sha256").update(value).digest("hex").slice(0, 12)

/**
 * Makes one name component safe: NFC, optionally lower-cased (Azure resource ids are case-insensitive), `%` and
 * other unsafe characters replaced (the SDK would pass `%XX` through as an escape), no empty, `.` or `..` segments,
 * no segment ending in a dot, at most `maxSegments` segments and `maxLength` characters. When anything beyond
 * lower-casing changed, a hash of the original is appended, so distinct hostile inputs keep distinct names.
 */
export const sanitizeNamePath = (
  raw: string,
  options: { readonly lowerCase: boolean; readonly maxLength: number; readonly maxSegments: number },
): string => {
  const cased = options.lowerCase ? raw.normalize("NFC").toLowerCase() : raw.normalize("NFC")
  const segments = cased
    .replace(/\\/g, "/")
    .replace(UNSAFE, "_")
    .split("/")
    .filter((segment) => segment !== "" && segment !== ".")
    .map((segment) => (segment === ".." ? "_" : segment.replace(/\.+$/, (dots) => "_".repeat(dots.length))))
  const bounded =
    segments.length > options.maxSegments
      ? [...segments.slice(0, options.maxSegments - 1), segments.slice(options.maxSegments - 1).join("_")]
      : segments
  let path = bounded.join("/")
  if (path === "") path = "_"
  // Dropping empty segments (the leading slash of a resource id) is not worth a hash suffix.
  const altered =
    path !==
    cased
      .split("/")
      .filter((segment) => segment !== "")
      .join("/")
  if (!altered && path.length <= options.maxLength) return path
  const suffix = `~${shortHash(raw)}`
  return `${path.slice(0, Math.max(1, options.maxLength - suffix.length)).replace(/[/.]+$/, "")}${suffix}`
}

const segmentCount = (path: string) => path.split("/").length

/** The prefix as it starts every name: sanitised, no leading or trailing slash. */
export const safePrefix = (prefix: string): string =>
  prefix === "" ? "" : sanitizeNamePath(prefix, { lowerCase: false, maxLength: 200, maxSegments: 16 })

const joined = (head: string, folder: string) => (head === "" ? folder : `${head}/${folder}`)

const HOUR_MS = 3_600_000

/** The hour (since the epoch) a record is filed under in the hour-partitioned layouts. */
export const partitionHour = (record: SinkRecord): number => Math.floor(eventTimeMillis(record) / HOUR_MS)

/** `{head}/y=YYYY/m=MM/d=DD/h=HH` of an hour since the epoch; `head` is a {@link safePrefix}. */
export const hourFolder = (head: string, hour: number): string => {
  const { year, month, day, hour: hh } = utcParts(hour * HOUR_MS)
  return joined(head, `y=${year}/m=${month}/d=${day}/h=${hh}`)
}

/** `{prefix}/y=YYYY/m=MM/d=DD/h=HH` of the record's event time: the folder of the hour-partitioned layouts. */
export const partitionFolder = (prefix: string, record: SinkRecord): string =>
  hourFolder(safePrefix(prefix), partitionHour(record))

/** Deterministic name of a record's own object in the per-message layouts, so a redelivery maps to the same name. */
export const blobNameFor = (layout: Exclude<ArchiveLayout, "batched">, prefix: string, record: SinkRecord): string => {
  const head =
    layout === "partitioned" ? partitionFolder(prefix, record) : joined(safePrefix(prefix), eventTimeIso(record))
  const extension = layout === "partitioned" ? ".jsonl" : ".json"
  const resourceId = layout === "perEvent" ? Option.getOrUndefined(record.resource)?.resourceId : undefined
  const leaf = sanitizeNamePath(resourceId ?? record.key, {
    lowerCase: resourceId !== undefined,
    maxLength: MAX_BLOB_NAME_LENGTH - head.length - 1 - extension.length,
    maxSegments: MAX_BLOB_NAME_SEGMENTS - segmentCount(head),
  })
  return `${head}/${leaf}${extension}`
}
