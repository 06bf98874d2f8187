import { describe, expect, it } from "@effect/vitest"
import { TombstoneTable } from "../../src/TombstoneTable.ts"

describe("TombstoneTable", () => {
  it("finds every key among many (the index and the key bytes grow), and only those", () => {
    const table = new TombstoneTable()
    const keys = Array.from(
      { length: 20_000 },
      (_, i) => `/subscriptions/s/resourcegroups/rg-${i % 97}/providers/t/n${i}`,
    )
    for (const [i, key] of keys.entries()) table.put(key, `run-${i % 7}`, "s", i)
    expect(table.size).toBe(keys.length)
    expect(keys.every((key) => table.has(key))).toBe(true)
    expect(table.has("/subscriptions/s/resourcegroups/rg-0/providers/t/n20000")).toBe(false)
    expect(table.has(`${keys[5]}x`)).toBe(false)
    expect(table.has(keys[5]?.slice(0, -1) ?? "")).toBe(false)
    const values = [...table.values()]
    expect(values).toHaveLength(keys.length)
    expect(values[12_345]).toEqual({ runId: "run-4", scenarioName: "s", deletedAt: 12_345 })
  })

  it("keeps the winning deletion of a key, whatever the order: later, then the larger run, then the larger scenario", () => {
    const puts: Array<[string, string, number]> = [
      ["run-1", "s1", 10],
      ["run-2", "s1", 5],
      ["run-1", "s2", 10],
      ["run-0", "s9", 10],
    ]
    for (const order of [puts, [...puts].reverse()]) {
      const table = new TombstoneTable()
      for (const [run, scenario, at] of order) table.put("/k", run, scenario, at)
      expect([...table.values()]).toEqual([{ runId: "run-1", scenarioName: "s2", deletedAt: 10 }])
    }
  })

  it("holds keys beyond Latin-1 and Latin-1 keys that differ from them only there", () => {
    const table = new TombstoneTable()
    table.put("/rg/名前", "run-1", "s", 1)
    table.put("/rg/é", "run-2", "s", 2)
    expect(table.has("/rg/名前")).toBe(true)
    expect(table.has("/rg/é")).toBe(true)
    expect(table.has("/rg/名")).toBe(false)
    expect(table.has("/rg/e")).toBe(false)
    table.put("/rg/名前", "run-3", "s", 3)
    expect(table.size).toBe(2)
    expect([...table.values()].map((t) => t.runId)).toEqual(["run-3", "run-2"])
  })

  it("tells apart keys that differ only in their length, their last bytes or the padding of their last word", () => {
    const table = new TombstoneTable()
    const keys = ["a", "a\u0000", "a\u0000\u0000\u0000", "ab", "abc", "abcd", "abcd\u0000", "abce", "", "\u0000"]
    for (const [i, key] of keys.entries()) table.put(key, `run-${i}`, "s", i)
    expect(table.size).toBe(keys.length)
    expect([...table.values()].map((t) => t.runId)).toEqual(keys.map((_, i) => `run-${i}`))
    expect(keys.every((key) => table.has(key))).toBe(true)
    expect(table.has("a\u0000\u0000")).toBe(false)
    expect(table.has("abcf")).toBe(false)
  })

  it("keeps keys across its storage chunks, and keys too long or not ASCII beside them, each found once", () => {
    const table = new TombstoneTable()
    // 6,000 keys of about 120 bytes: a few 256 KB chunks, and keys cut at no chunk's end.
    const keys = Array.from(
      { length: 6_000 },
      (_, i) =>
        `/subscriptions/s/resourcegroups/rg-${i % 13}/providers/microsoft.compute/virtualmachines/${"v".repeat(i % 50)}${i}`,
    )
    const long = `/subscriptions/s/${"x".repeat(5_000)}`
    const odd = ["/rg/\ud800", "/rg/\udc00", "/rg/\u00e9", "/rg/名前", `${long}é`]
    const all = [...keys, long, `${long}y`, ...odd]
    for (const [i, key] of all.entries()) table.put(key, `run-${i % 5}`, "s", i)
    // A second deletion of each, earlier: nothing is added, nothing replaced.
    for (const [i, key] of all.entries()) table.put(key, "run-9", "s", i - 1)
    expect(table.size).toBe(all.length)
    expect(all.every((key) => table.has(key))).toBe(true)
    expect(table.has(`${long}z`)).toBe(false)
    expect(table.has(long.slice(0, -1))).toBe(false)
    expect(table.has("/rg/\udbff")).toBe(false)
    expect(table.has(`${keys[4_321]}0`)).toBe(false)
    expect([...table.values()].map((t) => t.deletedAt)).toEqual(all.map((_, i) => i))
  })

  it("gives each key one slot, in the order keys are first seen, and counts and lists only the deleted ones", () => {
    const table = new TombstoneTable()
    expect(["/a", "/b", "/a", "/c", "/rg/é", "/b"].map((key) => table.slot(key))).toEqual([0, 1, 0, 2, 3, 1])
    expect(table.size).toBe(0)
    expect([0, 1, 2, 3].map((slot) => table.isDeleted(slot))).toEqual([false, false, false, false])
    table.delete(table.slot("/c"), "run-1", "s", 5)
    table.put("/rg/é", "run-2", "s", 6)
    table.put("/d", "run-3", "s", 7)
    expect(table.size).toBe(3)
    expect([0, 1, 2, 3, 4].map((slot) => table.isDeleted(slot))).toEqual([false, false, true, true, true])
    expect(["/a", "/c", "/rg/é", "/d", "/e"].map((key) => table.has(key))).toEqual([false, true, true, true, false])
    expect([...table.values()].map((t) => t.runId)).toEqual(["run-1", "run-2", "run-3"])
  })
})
