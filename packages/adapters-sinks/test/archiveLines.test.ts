import { type ArchiveEntry, encodeResource } from "@haymaker/domain"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { ArchiveLineBatcher, readArchiveLine, readLineBatch } from "../src/archive/ArchiveLines.ts"
import { archiveLine } from "../src/archive/ArchiveRecord.ts"
import { objectTimeBound } from "../src/archive/ObjectTime.ts"
import { agentLogMessage, otherMessage, resourceCreated, resourceDump, resourceMessage } from "./fixtures.ts"

const ARCHIVED_AT = "2026-01-01T00:00:00.000Z"

describe("readArchiveLine", () => {
  it("reads back what the sinks write: message id, event, Resource, event time", () => {
    const record = resourceMessage("m-1")
    const entry = readArchiveLine(archiveLine(record, ARCHIVED_AT), "events/a.jsonl:1")
    expect(entry).toMatchObject({
      _tag: "ArchivedEvent",
      location: "events/a.jsonl:1",
      messageId: "m-1",
      sequenceNumber: String(record.sequenceNumber),
      eventType: "resource_created",
      eventTime: Date.parse("2024-11-14T12:00:00Z"),
      event: resourceCreated(),
    })
    expect(entry._tag === "ArchivedEvent" && entry.resource && encodeResource(entry.resource)).toEqual(resourceDump())
  })

  it("files a log event by its timestamp and an event without one by its enqueued time; neither has a Resource", () => {
    const log = readArchiveLine(archiveLine(agentLogMessage("m-2"), ARCHIVED_AT), "x:1")
    expect(log).toMatchObject({ eventType: "operation", eventTime: Date.parse("2024-11-14T12:00:02.123Z") })
    expect(log._tag === "ArchivedEvent" && log.resource).toBeUndefined()
    const other = readArchiveLine(archiveLine(otherMessage("m-3"), ARCHIVED_AT), "x:2")
    expect(other).toMatchObject({ eventType: "custom_metric", eventTime: Date.parse("2024-11-14T12:00:01.000Z") })
  })

  it("tolerates fields it does not know, a missing message, ids that are not strings, and the seed's format", () => {
    const line = JSON.parse(archiveLine(resourceMessage("m-4"), ARCHIVED_AT))
    const extended = readArchiveLine(
      JSON.stringify({ ...line, message: { ...line.message, message_id: 7, delivery_count: 2 }, schema: 2 }),
      "x:1",
    )
    expect(extended).toMatchObject({ _tag: "ArchivedEvent", messageId: "7", eventType: "resource_created" })
    const seed = readArchiveLine(JSON.stringify({ resource: resourceDump(), archived_at: ARCHIVED_AT }), "x:2")
    expect(seed).toMatchObject({
      _tag: "ArchivedEvent",
      messageId: undefined,
      eventTime: Date.parse("2024-11-14T12:00:00Z"),
    })
    expect(seed._tag === "ArchivedEvent" && seed.resource?.status).toBe("created")
    // A resource event archived without its Resource is parsed again.
    const bare = readArchiveLine(JSON.stringify({ ...line, resource: null }), "x:3")
    expect(bare._tag === "ArchivedEvent" && bare.resource && encodeResource(bare.resource)).toEqual(resourceDump())
  })

  it("says what is wrong with a line that is not an archived message", () => {
    const problems = [
      "{not json",
      "[1,2]",
      '{"archived_at":"2024-01-01T00:00:00Z"}',
      JSON.stringify({ event: {}, resource: { status: "created" } }),
    ].map((text) => readArchiveLine(text, "x:9"))
    expect(problems.map((p) => p._tag)).toEqual([
      "UnreadableLine",
      "UnreadableLine",
      "UnreadableLine",
      "UnreadableLine",
    ])
    expect(problems.map((p) => (p._tag === "UnreadableLine" ? p.problem : ""))).toEqual([
      expect.stringMatching(/^not JSON: /),
      "not a JSON object",
      "neither an event nor a resource",
      expect.stringMatching(/^resource: resource_id is required but missing/),
    ])
  })
})

describe("ArchiveLineBatcher and readLineBatch", () => {
  const content = [
    archiveLine(resourceMessage("m-1"), ARCHIVED_AT),
    "\n",
    archiveLine(agentLogMessage("m-2", { note: "ünïcödé ✓ 🚀" }), ARCHIVED_AT).replace("\n", "\r\n"),
    "garbage\n",
    archiveLine(otherMessage("m-3"), ARCHIVED_AT).trimEnd(),
  ].join("")
  const bytes = Buffer.from(content)

  /** Pushes the bytes cut at `cuts`, each piece read into the same buffer as a reader does, and parses as it goes. */
  const split = (cuts: ReadonlyArray<number>, since?: number) => {
    const batcher = new ArchiveLineBatcher("obj")
    const scratch = Buffer.alloc(bytes.length)
    const entries: Array<ArchiveEntry> = []
    let from = 0
    for (const cut of [...cuts, bytes.length]) {
      const piece = scratch.subarray(0, cut - from)
      bytes.copy(piece, 0, from, cut)
      for (const batch of batcher.push(piece)) readLineBatch(batch, since, (entry) => entries.push(entry))
      // The buffer is read into again: nothing the batcher kept may still point into it.
      scratch.fill(0x7b)
      from = cut
    }
    for (const batch of batcher.end()) readLineBatch(batch, since, (entry) => entries.push(entry))
    return entries
  }

  it("gives the same entries however the bytes are cut into chunks, even inside a character", () => {
    const whole = split([])
    expect(whole.map((e) => [e._tag, e.location])).toEqual([
      ["ArchivedEvent", "obj:1"],
      ["ArchivedEvent", "obj:3"],
      ["UnreadableLine", "obj:4"],
      ["ArchivedEvent", "obj:5"],
    ])
    expect(whole[1]?._tag === "ArchivedEvent" && whole[1].event.details).toEqual({ note: "ünïcödé ✓ 🚀" })
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }), (cuts) => {
        expect(split([...cuts].sort((a, b) => a - b))).toEqual(whole)
      }),
      { numRuns: 300 },
    )
  })

  it("drops messages before `since`, keeps unreadable lines", () => {
    const entries = split([], Date.parse("2024-11-14T12:00:01.500Z"))
    expect(entries.map((e) => (e._tag === "ArchivedEvent" ? e.messageId : e._tag))).toEqual(["m-2", "UnreadableLine"])
  })
})

describe("objectTimeBound", () => {
  it("reads the hour folder of the batched and partitioned layouts and the instant folder of perEvent", () => {
    expect(objectTimeBound("events/y=2024/m=11/d=14/h=12/0123abcd.jsonl")).toBe(Date.parse("2024-11-14T13:00:00Z"))
    expect(objectTimeBound("a/b/y=2024/m=01/d=31/h=23/m-1.jsonl")).toBe(Date.parse("2024-02-01T00:00:00Z"))
    expect(objectTimeBound("events/2024-11-14T12:00:00.000Z/subscriptions/sub1/vm1.json")).toBe(
      Date.parse("2024-11-14T12:00:00.001Z"),
    )
    // The seed's names: Python's isoformat, no offset (UTC), microseconds.
    expect(objectTimeBound("events/2024-11-14T12:00:00.123456/subscriptions/x.json")).toBe(
      Date.parse("2024-11-14T12:00:00.124Z"),
    )
    expect(objectTimeBound("events/other/file.jsonl")).toBeUndefined()
  })
})
