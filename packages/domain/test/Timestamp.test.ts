import { describe, expect, it } from "@effect/vitest"
import { DateTime } from "effect"
import { formatTimestamp, parseIsoTimestamp, parseTimestamp } from "../src/index.ts"
import { timestampOfValidated } from "../src/Timestamp.ts"

const utc = (iso: string) => new Date(iso).getTime()

describe("parseIsoTimestamp", () => {
  it.each([
    ["2024-11-14T12:00:00Z", utc("2024-11-14T12:00:00Z")],
    ["2024-11-14T12:00:00.123456Z", utc("2024-11-14T12:00:00.123Z")],
    ["2024-11-14T12:00:00.5+00:00", utc("2024-11-14T12:00:00.500Z")],
    ["2024-11-14T12:00:00+01:00", utc("2024-11-14T11:00:00Z")],
    ["2024-11-14T12:00:00-0130", utc("2024-11-14T13:30:00Z")],
    ["2024-11-14T12:00:00+01", utc("2024-11-14T11:00:00Z")],
    ["2024-11-14 12:00", utc("2024-11-14T12:00:00Z")],
    ["2024-11-14", utc("2024-11-14T00:00:00Z")],
    ["2024-02-29T00:00:00z", utc("2024-02-29T00:00:00Z")],
    ["0001-01-01T00:00:00Z", utc("0001-01-01T00:00:00Z")],
    ["1969-12-31T23:59:59.999Z", -1],
  ])("reads %s", (text, millis) => {
    expect(parseIsoTimestamp(text)).toBe(millis)
  })

  it("reads a date-time without offset as UTC (what Python's utcnow().isoformat() sends)", () => {
    expect(parseIsoTimestamp("2024-11-14T12:00:00.123456")).toBe(utc("2024-11-14T12:00:00.123Z"))
  })

  it.each([
    "",
    "yesterday",
    "1",
    "Nov 14 2024",
    "2024-13-01",
    "2023-02-29",
    "2024-04-31T00:00:00Z",
    "2024-11-14T24:00:00Z",
    "2024-11-14T12:60:00Z",
    "2024-11-14T12:00:60Z",
    "2024-11-14T12:00:",
    "2024-11-14T12:00:00.Z",
    "2024-11-14T12:00:00ZZ",
    "2024-11-14T12:00:00+1:00",
    "2024-11-14T12:00:00+",
    "0000-01-01",
    "2024-11-14T12:00:00.1234567890Z",
  ])("rejects %j", (text) => {
    expect(parseIsoTimestamp(text)).toBeUndefined()
  })

  it("builds DateTimes with the exact instant, including those where millis / 1000 * 1000 is not exact", () => {
    // 70006900558788 / 1000 * 1000 === 70006900558787.99 in floating point.
    for (const text of ["4188-06-06T01:15:58.788Z", "2024-11-14T12:00:00.123Z", "0001-01-01T00:00:00.001Z"]) {
      expect(parseTimestamp(text)?.epochMilliseconds).toBe(new Date(text).getTime())
      expect(formatTimestamp(timestampOfValidated(text))).toBe(text)
    }
  })

  it("refuses to convert text that skipped validation", () => {
    expect(() => timestampOfValidated("yesterday")).toThrow()
  })

  it("formats as ISO-8601 UTC with milliseconds", () => {
    const timestamp = parseTimestamp("2024-11-14T13:00:00+01:00")
    expect(timestamp && formatTimestamp(timestamp)).toBe("2024-11-14T12:00:00.000Z")
    expect(timestamp && DateTime.isUtc(timestamp)).toBe(true)
  })
})
