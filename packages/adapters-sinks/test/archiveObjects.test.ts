import { describe, expect, it } from "vitest"
import { archiveContentType, archiveObjects, holdsRecord } from "../src/archive/ArchiveObjects.ts"
import { agentLog, agentLogMessage, otherMessage, resourceMessage, sinkRecord } from "./fixtures.ts"

const AT = "2026-11-26T00:00:00.000Z"
const idsOf = (object: { readonly records: ReadonlyArray<{ readonly messageId: string }> }) =>
  object.records.map((record) => record.messageId)

const objectsOf = (...args: Parameters<typeof archiveObjects>) => archiveObjects(...args).objects

describe("archive objects of a write", () => {
  const a = resourceMessage("a")
  const b = agentLogMessage("b")
  const c = otherMessage("c")
  const later = sinkRecord("d", { ...agentLog(), timestamp: "2024-11-14T13:59:59Z" })

  it("batched: one object per hour folder, a line per distinct message, in the order written", () => {
    const objects = objectsOf("batched", "events", [a, b, later, a, c], AT)

    expect(objects.map(idsOf)).toEqual([["a", "b", "c"], ["d"]])
    expect(objects[0]?.name).toMatch(/^events\/y=2024\/m=11\/d=14\/h=12\/[0-9a-f]{32}\.jsonl$/)
    expect(objects[1]?.name).toMatch(/^events\/y=2024\/m=11\/d=14\/h=13\/[0-9a-f]{32}\.jsonl$/)
    const lines = objects[0]?.content.split("\n") ?? []
    expect(lines).toHaveLength(4)
    expect(lines[3]).toBe("")
    expect(lines.slice(0, 3).map((line) => JSON.parse(line).message.message_id)).toEqual(["a", "b", "c"])
  })

  it("batched: the same messages in any order get the same name, any other set another", () => {
    const name = (records: Parameters<typeof archiveObjects>[2]) => objectsOf("batched", "", records, AT)[0]?.name
    expect(name([a, b, c])).toBe(name([c, a, b, a]))
    expect(name([a, b])).not.toBe(name([a, b, c]))
    expect(name([a, b])).not.toBe(name([a, c]))
    // Keys that would collide if simply concatenated stay distinct.
    expect(name([sinkRecord("x", agentLog(), undefined, 12n), sinkRecord("y", agentLog(), undefined, 3n)])).not.toBe(
      name([sinkRecord("x", agentLog(), undefined, 1n), sinkRecord("y", agentLog(), undefined, 23n)]),
    )
  })

  it("per-message layouts: an object per distinct message, named by its sequence number", () => {
    const objects = objectsOf("partitioned", "events", [a, b, a], AT)
    expect(objects.map((object) => object.name)).toEqual([
      `events/y=2024/m=11/d=14/h=12/${a.key}.jsonl`,
      `events/y=2024/m=11/d=14/h=12/${b.key}.jsonl`,
    ])
    expect(objects.map(idsOf)).toEqual([["a"], ["b"]])
    expect(objectsOf("perEvent", "events", [b], AT)[0]?.name).toBe(`events/2024-11-14T12:00:02.123Z/${b.key}.json`)
  })

  it("keeps distinct events that share a message id, in every layout (issue 10 §5)", () => {
    const first = sinkRecord("shared", agentLog({ step: 1 }), undefined, 7n)
    const second = sinkRecord("shared", agentLog({ step: 2 }), undefined, 8n)
    const lines = objectsOf("batched", "events", [first, second], AT)[0]?.content.trim().split("\n") ?? []
    expect(lines.map((line) => JSON.parse(line).event.details.step)).toEqual([1, 2])
    expect(lines.map((line) => JSON.parse(line).message.sequence_number)).toEqual(["7", "8"])
    expect(objectsOf("partitioned", "events", [first, second], AT)).toHaveLength(2)
    expect(objectsOf("perEvent", "events", [first, second], AT)).toHaveLength(2)
  })

  it("per-event objects have a second name for a message whose first name another message took", () => {
    const [object] = objectsOf("perEvent", "events", [a], AT)
    expect(object?.alternateName?.startsWith(`${object.name.slice(0, -".json".length)}~`)).toBe(true)
    expect(object?.alternateName).toMatch(/vm11~[0-9a-f]{12}\.json$/)
    expect(objectsOf("perEvent", "events", [b], AT)[0]?.alternateName).not.toBe(object?.alternateName)
    // Names made from the message id cannot be taken by another message.
    expect(objectsOf("partitioned", "events", [a], AT)[0]?.alternateName).toBeUndefined()
    expect(objectsOf("batched", "events", [a], AT)[0]?.alternateName).toBeUndefined()
  })

  it("recognises the record an existing object holds", () => {
    const content = objectsOf("perEvent", "events", [a], AT)[0]?.content ?? ""
    expect(holdsRecord(content, a.key)).toBe(true)
    expect(holdsRecord(content, b.key)).toBe(false)
    expect(holdsRecord("not json", a.key)).toBe(false)
    expect(holdsRecord("", a.key)).toBe(false)
  })

  it("writes nothing for an empty batch and names content types", () => {
    expect(objectsOf("batched", "events", [], AT)).toEqual([])
    expect(archiveContentType("batched")).toBe("application/x-ndjson")
    expect(archiveContentType("partitioned")).toBe("application/x-ndjson")
    expect(archiveContentType("perEvent")).toBe("application/json")
  })

  it("refuses a record whose line JSON cannot write, alone: its neighbours are stored (issue 10 §2)", () => {
    // Past the decoder's depth limit, e.g. from another producer of SinkRecords: JSON.stringify overflows the stack.
    let deep: unknown = 1
    for (let i = 0; i < 20_000; i++) deep = [deep]
    const poison = sinkRecord("poison", agentLog({ deep: deep as never }))
    const bigint = sinkRecord("bigint", agentLog({ n: 1n as never }))
    for (const layout of ["batched", "partitioned", "perEvent"] as const) {
      const { objects, refused } = archiveObjects(layout, "events", [a, poison, b, bigint], AT)
      expect(objects.flatMap(idsOf).sort()).toEqual(["a", "b"])
      expect(refused.map((failure) => failure.key)).toEqual([poison.key, bigint.key])
      expect(refused.every((failure) => failure.kind === "Rejected")).toBe(true)
      expect(refused[0]?.reason).toContain("Maximum call stack size exceeded")
    }
  })
})
