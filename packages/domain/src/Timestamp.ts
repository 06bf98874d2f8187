import { DateTime, Schema, SchemaGetter } from "effect"
import { withFastField } from "./wire/FastCodec.ts"

// Strict ISO-8601 only. `Date.parse` is deliberately not used: it accepts free-form text ("Nov 14 2024", "1") and
// reads offset-less date-times as *local* time, which would make decoding depend on the machine's time zone.

const digits = (text: string, start: number, count: number): number => {
  let value = 0
  for (let i = start; i < start + count; i++) {
    const d = text.charCodeAt(i) - 48
    // Negated so that NaN (reading past the end) is rejected too.
    if (!(d >= 0 && d <= 9)) return -1
    value = value * 10 + d
  }
  return value
}

const daysInMonth = (year: number, month: number): number => {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
const daysFromCivil = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146097 + dayOfEra - 719468
}

const COLON = 58
const DOT = 46
const COMMA = 44
const PLUS = 43
const MINUS = 45
const UPPER_T = 84
const LOWER_T = 116
const SPACE = 32

const parse = (text: string): number | undefined => {
  const length = text.length
  if (length < 10 || text.charCodeAt(4) !== MINUS || text.charCodeAt(7) !== MINUS) return undefined
  const year = digits(text, 0, 4)
  const month = digits(text, 5, 2)
  const day = digits(text, 8, 2)
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined
  let millis = daysFromCivil(year, month, day) * 86_400_000
  if (length === 10) return millis
  const separator = text.charCodeAt(10)
  if ((separator !== UPPER_T && separator !== LOWER_T && separator !== SPACE) || length < 16) return undefined
  const hour = digits(text, 11, 2)
  const minute = digits(text, 14, 2)
  if (text.charCodeAt(13) !== COLON || hour < 0 || hour > 23 || minute < 0 || minute > 59) return undefined
  millis += hour * 3_600_000 + minute * 60_000
  let i = 16
  if (i < length && text.charCodeAt(i) === COLON) {
    const second = digits(text, i + 1, 2)
    if (second < 0 || second > 59) return undefined
    millis += second * 1000
    i += 3
    const mark = text.charCodeAt(i)
    if (i < length && (mark === DOT || mark === COMMA)) {
      const start = ++i
      // Milliseconds: the first three fraction digits; finer precision (Python's microseconds) is truncated.
      let fraction = 0
      while (i < length && i - start < 9) {
        const d = text.charCodeAt(i) - 48
        if (!(d >= 0 && d <= 9)) break
        if (i - start < 3) fraction = fraction * 10 + d
        i++
      }
      const count = i - start
      if (count === 0) return undefined
      millis += count === 1 ? fraction * 100 : count === 2 ? fraction * 10 : fraction
    }
  }
  if (i === length) return millis
  const zone = text.charCodeAt(i)
  if ((zone === 90 || zone === 122) && i + 1 === length) return millis // Z or z
  if (zone !== PLUS && zone !== MINUS) return undefined
  const offsetHours = digits(text, i + 1, 2)
  let offsetMinutes = 0
  const rest = length - (i + 3)
  if (rest === 3 && text.charCodeAt(i + 3) === COLON) offsetMinutes = digits(text, i + 4, 2)
  else if (rest === 2) offsetMinutes = digits(text, i + 3, 2)
  else if (rest !== 0) return undefined
  if (offsetHours < 0 || offsetHours > 23 || offsetMinutes < 0 || offsetMinutes > 59) return undefined
  const offset = (offsetHours * 60 + offsetMinutes) * 60_000
  return zone === PLUS ? millis - offset : millis + offset
}

/**
 * Parses an ISO-8601 date or date-time into epoch milliseconds, or `undefined` when it is not one.
 *
 * Accepted: `YYYY-MM-DD`, optionally followed by `T` (or `t`, or a space) and `HH:MM`, `HH:MM:SS` or
 * `HH:MM:SS.fraction` (1 to 9 digits, `.` or `,`), optionally followed by `Z` or an offset (`+01:00`, `+0100`,
 * `+01`). A date-time without an offset is read as UTC: the Python agents send `datetime.utcnow().isoformat()`, which
 * carries no offset but is UTC. Fractions finer than a millisecond (Python's microseconds) are truncated.
 */
export const parseIsoTimestamp: (text: string) => number | undefined = parse

// The last timestamp parsed: a message's timestamps are often the same text (an event's `timestamp`, its Resource's
// `created_at` and `deleted_at`), and a DateTime is immutable, so it can be shared.
let lastText = ""
let lastTimestamp: DateTime.Utc | undefined

/** Parses an ISO-8601 timestamp (see {@link parseIsoTimestamp}) into a `DateTime.Utc`. */
export const parseTimestamp = (text: string): DateTime.Utc | undefined => {
  if (text === lastText) return lastTimestamp
  const millis = parse(text)
  const timestamp = millis === undefined ? undefined : DateTime.makeUnsafe(millis)
  lastText = text
  lastTimestamp = timestamp
  return timestamp
}

/**
 * Converts a timestamp string that a wire schema already accepted. Throws (a defect, not a decoding failure) when
 * called with text that skipped validation.
 */
export const timestampOfValidated = (text: string): DateTime.Utc => DateTime.makeUnsafe(parse(text) ?? Number.NaN)

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

/** A timestamp: ISO-8601 text on the wire (see {@link parseIsoTimestamp}), `DateTime.Utc` in the domain. */
export const Timestamp = withFastField(
  IsoTimestampString.pipe(
    Schema.decodeTo(Schema.DateTimeUtc, {
      decode: SchemaGetter.transform(timestampOfValidated),
      encode: SchemaGetter.transform(formatTimestamp),
    }),
  ),
  // The fast decoder checks the text as it converts it.
  {
    wire: Schema.String,
    decode: (text) => parseTimestamp(text as string),
    encode: (t) => formatTimestamp(t as DateTime.Utc),
  },
)
