const HAS_ZONE = /(Z|[+-]\d{2}:?\d{2})$/i
const ISO_LIKE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/

/**
 * Normalises an event timestamp to ISO-8601 UTC with a `Z`. Python agents often send `datetime.utcnow().isoformat()`
 * without a zone: such values are UTC by convention, so a missing zone means UTC (never the machine's local time).
 * Returns undefined for anything that is not a date-time.
 */
export const toIsoUtc = (value: unknown): string | undefined => {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString()
  if (typeof value !== "string" || !ISO_LIKE.test(value)) return undefined
  const normalised = value.replace(" ", "T")
  const millis = Date.parse(HAS_ZONE.test(normalised) ? normalised : `${normalised}Z`)
  return Number.isNaN(millis) ? undefined : new Date(millis).toISOString()
}

/** UTC calendar parts of an ISO timestamp, zero-padded, for partitioned names. */
export const utcParts = (iso: string) => {
  const date = new Date(iso)
  const pad = (n: number) => String(n).padStart(2, "0")
  return {
    year: String(date.getUTCFullYear()).padStart(4, "0"),
    month: pad(date.getUTCMonth() + 1),
    day: pad(date.getUTCDate()),
    hour: pad(date.getUTCHours()),
  }
}
