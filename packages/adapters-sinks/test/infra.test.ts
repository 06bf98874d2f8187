import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { armTemplate } from "../infra/template.ts"
import {
  AgentLogsStream,
  DeadLettersStream,
  ResourcesStream,
  Streams,
  streamDeclarations,
} from "../src/logAnalytics/Streams.ts"

interface Resource {
  readonly type: string
  readonly name: string
  readonly properties: Record<string, unknown>
}

const shipped = JSON.parse(readFileSync(new URL("../infra/haymaker-logs.json", import.meta.url), "utf8")) as {
  resources: Array<Resource>
}
const dcr = shipped.resources.find((r) => r.type === "Microsoft.Insights/dataCollectionRules")
const tables = shipped.resources.filter((r) => r.type === "Microsoft.OperationalInsights/workspaces/tables")

// Reserved by Log Analytics for its own columns; a custom column with one of these names is refused.
const RESERVED = ["id", "type", "tenantid", "sourcesystem", "mg", "managementgroupname", "computer", "_resourceid"]

describe("shipped ARM template (infra/haymaker-logs.json)", () => {
  it("is exactly what infra/template.ts generates from the stream declarations (run `pnpm infra` after edits)", () => {
    expect(shipped).toEqual(JSON.parse(JSON.stringify(armTemplate())))
  })

  it("declares in the data collection rule exactly the streams and columns the row builders produce", () => {
    expect(dcr?.properties.streamDeclarations).toEqual(streamDeclarations())
    expect(Object.keys(dcr?.properties.streamDeclarations as object)).toEqual([
      ResourcesStream.stream,
      AgentLogsStream.stream,
      DeadLettersStream.stream,
    ])
  })

  it("creates one custom table per stream with the same columns, and routes each stream to its table", () => {
    for (const definition of Streams) {
      const table = tables.find((t) => t.name.includes(`'${definition.table}'`))
      const schema = table?.properties.schema as { name: string; columns: Array<{ name: string; type: string }> }
      expect(schema.name).toBe(definition.table)
      expect(schema.columns.map((c) => [c.name, c.type.toLowerCase()])).toEqual(
        definition.columns.map((c) => [c.name, c.type]),
      )
    }
    expect(dcr?.properties.dataFlows).toEqual(
      Streams.map((d) => ({
        streams: [d.stream],
        destinations: ["workspace"],
        transformKql: "source",
        outputStream: `Custom-${d.table}`,
      })),
    )
  })

  it("uses names Log Analytics accepts", () => {
    for (const definition of Streams) {
      expect(definition.stream).toMatch(/^Custom-[A-Za-z][A-Za-z0-9_]*$/)
      expect(definition.table).toMatch(/^[A-Za-z][A-Za-z0-9_]*_CL$/)
      expect(definition.columns[0]).toMatchObject({ name: "TimeGenerated", type: "datetime" })
      for (const column of definition.columns) {
        expect(column.name).toMatch(/^[A-Za-z][A-Za-z0-9_]{0,44}$/)
        expect(RESERVED).not.toContain(column.name.toLowerCase())
      }
    }
  })
})
