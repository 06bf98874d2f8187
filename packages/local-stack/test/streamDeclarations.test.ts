import { describe, expect, it } from "vitest"
import { rowProblem, type StreamColumn } from "../src/index.ts"

const columns: ReadonlyArray<StreamColumn> = [
  { name: "TimeGenerated", type: "datetime" },
  { name: "n", type: "int" },
  { name: "big", type: "long" },
  { name: "r", type: "real" },
  { name: "b", type: "boolean" },
  { name: "d", type: "dynamic" },
  { name: "s", type: "string" },
]
const check = (row: unknown) => rowProblem("Custom-T", columns, row, 0)
const at = "2024-11-14T12:00:00Z"

describe("rowProblem", () => {
  it("accepts values of the declared types, nulls and absent optional columns", () => {
    expect(
      check({ TimeGenerated: at, n: -5, big: 2 ** 40, r: 1.5, b: false, d: [1, { a: 2 }], s: "x" }),
    ).toBeUndefined()
    expect(check({ TimeGenerated: "2024-11-14T12:00:00.123+02:00", n: null, d: "text" })).toBeUndefined()
  })

  it("names the column whose value has the wrong type", () => {
    expect(check({ TimeGenerated: at, n: 2 ** 31 })).toContain("column 'n' of stream Custom-T expects int")
    expect(check({ TimeGenerated: at, big: 1.5 })).toContain("column 'big'")
    expect(check({ TimeGenerated: at, r: "1.5" })).toContain("column 'r'")
    expect(check({ TimeGenerated: at, b: "true" })).toContain("column 'b'")
    expect(check({ TimeGenerated: "14/11/2024" })).toContain("column 'TimeGenerated'")
    expect(check({ TimeGenerated: at, s: 3 })).toContain("column 's'")
  })

  it("rejects undeclared columns, a missing TimeGenerated and rows that are not objects", () => {
    expect(check({ TimeGenerated: at, id: "x" })).toBe("row 0: column 'id' is not declared in stream Custom-T")
    expect(check({ n: 1 })).toContain("'TimeGenerated' of stream Custom-T is missing")
    expect(check([1])).toContain("not a JSON object")
    expect(check("row")).toContain("not a JSON object")
  })
})
