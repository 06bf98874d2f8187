import { parseIsoTimestamp } from "@haymaker/domain"

const HOUR_MS = 3_600_000
const HOUR_FOLDER = /(?:^|\/)y=(\d{4})\/m=(\d{2})\/d=(\d{2})\/h=(\d{2})\//
// A folder named by an instant (the `perEvent` layout, the seed's `events/{timestamp}/…`), with or without offset.
const TIME_FOLDER = /(?:^|\/)(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}[^/]*)\//

/**
 * The instant before which every message of an archive object was filed, read from its name: the end of its hour
 * folder (`batched`, `partitioned`) or just after the instant that names its folder (`perEvent`). `undefined` when the
 * name says nothing about time (the object is then read whatever the bound).
 */
export const objectTimeBound = (name: string): number | undefined => {
  const hour = HOUR_FOLDER.exec(name)
  if (hour !== null) {
    const start = Date.UTC(Number(hour[1]), Number(hour[2]) - 1, Number(hour[3]), Number(hour[4]))
    return Number.isNaN(start) ? undefined : start + HOUR_MS
  }
  const folder = TIME_FOLDER.exec(name)
  const instant = folder?.[1] === undefined ? undefined : parseIsoTimestamp(folder[1])
  return instant === undefined ? undefined : instant + 1
}

/** Whether an object may hold messages filed at or after `since` (epoch milliseconds). */
export const mayHoldSince = (name: string, since: number | undefined): boolean => {
  if (since === undefined) return true
  const bound = objectTimeBound(name)
  return bound === undefined || bound > since
}
