import { describe, expect, it } from "vitest"
import { blobNameFor, MAX_BLOB_NAME_LENGTH, sanitizeNamePath } from "../src/archive/BlobNames.ts"
import { agentLogMessage, otherMessage, resourceMessage, sinkRecord } from "./fixtures.ts"

const safe = (raw: string, lowerCase = false) =>
  sanitizeNamePath(raw, { lowerCase, maxLength: MAX_BLOB_NAME_LENGTH, maxSegments: 254 })

const assertSafe = (name: string) => {
  expect(name.length).toBeGreaterThan(0)
  expect(name.length).toBeLessThanOrEqual(MAX_BLOB_NAME_LENGTH)
  expect(name).not.toContain("%")
  expect(name).not.toContain("\\")
  expect(name.split("/").length).toBeLessThanOrEqual(254)
  for (const segment of name.split("/")) {
    expect(segment).not.toBe("")
    expect(segment).not.toBe("..")
    expect(segment).not.toBe(".")
    expect(segment.endsWith(".")).toBe(false)
  }
}

describe("blob names", () => {
  it("partitions by the event time in Azure's y=/m=/d=/h= style, named by sequence number", () => {
    expect(blobNameFor("partitioned", "events", resourceMessage("3f2a-01", 1, undefined, 17n))).toBe(
      "events/y=2024/m=11/d=14/h=12/17.jsonl",
    )
    expect(blobNameFor("partitioned", "", agentLogMessage("a1", undefined, 18n))).toBe("y=2024/m=11/d=14/h=12/18.jsonl")
    // No timestamp of its own: filed under the broker's enqueued time, which is the same on every delivery.
    const other = otherMessage("x")
    expect(blobNameFor("partitioned", "events", other)).toBe(`events/y=2024/m=11/d=14/h=12/${other.key}.jsonl`)
    expect(
      blobNameFor(
        "partitioned",
        "events",
        sinkRecord("z", { event_type: "e", timestamp: "2025-03-04T05:06:07+02:00" }, undefined, 19n),
      ),
    ).toBe("events/y=2025/m=03/d=04/h=03/19.jsonl")
  })

  it("offers the seed's per-event layout with the lower-cased resource id as folders", () => {
    expect(blobNameFor("perEvent", "events", resourceMessage("m1"))).toBe(
      "events/2024-11-14T12:00:00.000Z/subscriptions/sub1/resourcegroups/rg1/providers/microsoft.compute/virtualmachines/vm11.json",
    )
  })

  it("keeps ordinary names unchanged and makes hostile ones safe", () => {
    expect(safe("0f8fad5b-d9cb-469f-a165-70867728950e")).toBe("0f8fad5b-d9cb-469f-a165-70867728950e")
    const hostile = [
      "../../etc/passwd",
      "a/./b/../c",
      "%2F..%2Fsecret",
      "%252e%252e",
      "x".repeat(5_000),
      "a/".repeat(400),
      "vm-ünïcödé-日本語-🚀",
      "trailing.dot.",
      "back\\slash\\..\\up",
      "ctrl\u0000\u001f\u202e",
      "?query#frag",
      "",
    ]
    const names = hostile.map((raw) => safe(raw))
    for (const name of names) assertSafe(name)
    expect(new Set(names).size).toBe(names.length)
    expect(safe("vm-ünïcödé-日本語")).toBe("vm-ünïcödé-日本語")
  })

  it("bounds whole names to 1,024 characters for any resource id or message id", () => {
    const longId = `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/${"v".repeat(3_000)}`
    const message = resourceMessage("m".repeat(2_000), 1, longId)
    for (const name of [blobNameFor("perEvent", "events", message), blobNameFor("partitioned", "events", message)]) {
      assertSafe(name)
    }
  })

  it("lower-cases resource ids in the per-event layout only where the id is the name", () => {
    const upper = resourceMessage("ID-UPPER")
    expect(blobNameFor("perEvent", "events", upper)).toContain("/microsoft.compute/")
    expect(blobNameFor("partitioned", "events", upper)).toContain(`/${upper.key}.jsonl`)
    expect(blobNameFor("perEvent", "events", otherMessage("ID-UPPER"))).toMatch(/\/\d+\.json$/)
  })
})
