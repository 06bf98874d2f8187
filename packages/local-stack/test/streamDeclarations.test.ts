import { describe, expect, it } from "vitest"
import { rowProblem } from "../src/index.ts"
import { columns } from "./logsIngestionFixtures.ts"

const check = (row: unknown) => rowProblem("Custom-T", columns, row, 0)
const at = "2024-11-14T12:00:00Z"

describe("rowProblem", () => {
  it("accepts values of the declared types, nulls and absent optional columns", () => {
    expect(
      check({
        TimeGenerated: at,
        count: -5,
        total: 2 ** 40,
        ratio: 1.5,
        ok: false,
        details: [1, { a: 2 }],
        message: "x",
      }),
    ).toBeUndefined()
    expect(check({ TimeGenerated: "2024-11-14T12:00:00.123+02:00", count: null, details: "text" })).toBeUndefined()
  })

  it("names the column whose value has the wrong type", () => {
    expect(check({ TimeGenerated: at, count: 2 ** 31 })).toContain("column 'count' of stream Custom-T expects int")
    expect(check({ TimeGenerated: at, total: 1.5 })).toContain("column 'total'")
    expect(check({ TimeGenerated: at, ratio: "1.5" })).toContain("column 'ratio'")
    expect(check({ TimeGenerated: at, ok: "true" })).toContain("column 'ok'")
    expect(check({ TimeGenerated: "14/11/2024" })).toContain("column 'TimeGenerated'")
    expect(check({ TimeGenerated: at, message: 3 })).toContain("column 'message'")
  })

  it("rejects undeclared columns, a missing TimeGenerated and rows that are not objects", () => {
    expect(check({ TimeGenerated: at, id: "x" })).toBe("row 0: column 'id' is not declared in stream Custom-T")
    expect(check({ count: 1 })).toContain("'TimeGenerated' of stream Custom-T is missing")
    expect(check([1])).toContain("not a JSON object")
    expect(check("row")).toContain("not a JSON object")
  })
})
