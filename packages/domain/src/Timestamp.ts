import { DateTime, Schema } from "effect"

// Strict ISO-8601 only. `Date.parse` is deliberately not used: it accepts free-form text ("Nov 14 2024", "1") and
// reads offset-less date-times as *local* time, which would make decoding depend on the machine's time zone.
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?)?$/

const daysInMonth = (year: number, month: number): number => {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
    return leap ? 29 : 28
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/**
 * Parses an ISO-8601 date or date-time into epoch milliseconds, or `undefined` when it is not one.
 *
 * Accepted: `YYYY-MM-DD`, optionally followed by `T` (or a space) and `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fraction`,
 * optionally followed by `Z` or an offset (`+01:00`, `+0100`, `+01`). A date-time without an offset is read as UTC:
 * the Python agents send `datetime.utcnow().isoformat()`, which carries no offset but is UTC. Fractions finer than a
 * millisecond (Python's microseconds) are truncated.
 */
export const parseIsoTimestamp = (text: string): number | undefined => {
  const m = ISO_8601.exec(text)
  if (m === null) return undefined
  const year = Number(m[1])
  const month = Number(m[2])
  const day = Number(m[3])
  const hour = m[4] === undefined ? 0 : Number(m[4])
  const minute = m[5] === undefined ? 0 : Number(m[5])
  const second = m[6] === undefined ? 0 : Number(m[6])
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"))
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined
  if (hour > 23 || minute > 59 || second > 59) return undefined
  let offsetMinutes = 0
  if (m[9] !== undefined) {
    const offsetHours = Number(m[10])
    const offsetMins = m[11] === undefined ? 0 : Number(m[11])
    if (offsetHours > 23 || offsetMins > 59) return undefined
    offsetMinutes = (m[9] === "-" ? -1 : 1) * (offsetHours * 60 + offsetMins)
  }
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis))
  // Date.UTC maps years 0-99 to 1900-1999.
  if (year < 100) date.setUTCFullYear(year)
  return date.getTime() - offsetMinutes * 60_000
}

/** Parses an ISO-8601 timestamp (see {@link parseIsoTimestamp}) into a `DateTime.Utc`. */
export const parseTimestamp = (text: string): DateTime.Utc | undefined => {
  const millis = parseIsoTimestamp(text)
  return millis === undefined ? undefined : DateTime.makeUnsafe(millis)
}

/**
 * Converts a timestamp string that a wire schema already accepted. Throws (a defect, not a decoding failure) when
 * called with text that skipped validation.
 */
export const timestampOfValidated = (text: string): DateTime.Utc =>
  DateTime.makeUnsafe(parseIsoTimestamp(text) ?? Number.NaN)

/** Formats a timestamp the way every encoder of this package does: ISO-8601 in UTC with milliseconds and `Z`. */
export const formatTimestamp = (timestamp: DateTime.Utc): string => DateTime.formatIso(timestamp)

const isIsoTimestamp = Schema.makeFilter<string>(
  (text) =>
    parseIsoTimestamp(text) !== undefined ||
    `must be an ISO-8601 date-time such as "2024-11-14T12:00:00Z", got ${JSON.stringify(text)}`,
  { expected: "an ISO-8601 date-time" },
)

/** Wire form of a timestamp: a string that {@link parseIsoTimestamp} accepts. */
export const IsoTimestampString = Schema.String.check(isIsoTimestamp)
