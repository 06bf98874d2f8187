import { readdirSync, readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { queryParameters, queryText, workbookContent, workbookQueries } from "../infra/workbook.ts"
import { AgentLogsStream, DeadLettersStream, ResourcesStream } from "../src/logAnalytics/Streams.ts"
import { type KqlTable, kqlAnalyzer } from "./kql.ts"

/** The tables as the shipped ARM template creates them: what the queries run against in a workspace. */
const template = JSON.parse(readFileSync(new URL("../infra/haymaker-logs.json", import.meta.url), "utf8")) as {
  resources: Array<{
    type: string
    properties: {
      schema?: KqlTable
      streamDeclarations?: Record<string, { columns: Array<{ name: string; type: string }> }>
      dataFlows?: Array<{ streams: Array<string>; transformKql: string; outputStream: string }>
    }
  }>
}
const tables = template.resources.flatMap((resource) =>
  resource.type === "Microsoft.OperationalInsights/workspaces/tables" && resource.properties.schema !== undefined
    ? [resource.properties.schema]
    : [],
)
const analyze = kqlAnalyzer(tables)

/**
 * The tables as the template's data collection rule fills them: each data flow's output table with the columns of
 * the stream it sends there unchanged (`transformKql: source`). A column a table declares but no flow delivers would
 * always be empty; a query reading it is wrong too.
 */
const delivered = template.resources.flatMap((resource) => {
  const { streamDeclarations = {}, dataFlows = [] } = resource.properties
  return dataFlows.map((flow): KqlTable => {
    // Another transform would derive the columns: this reading of the rule would no longer hold.
    if (flow.transformKql !== "source") throw new Error(`${flow.outputStream}: transformKql ${flow.transformKql}`)
    return {
      name: flow.outputStream.replace(/^Custom-/, ""),
      columns: flow.streams.flatMap((stream) => streamDeclarations[stream]?.columns ?? []),
    }
  })
})
const analyzeDelivered = kqlAnalyzer(delivered)

const shippedWorkbook = JSON.parse(
  readFileSync(new URL("../infra/haymaker-workbook.json", import.meta.url), "utf8"),
) as {
  items: Array<{ type: number; name: string; content: { query?: string; parameters?: Array<{ name: string }> } }>
}
const files = readdirSync(new URL("../infra/queries/", import.meta.url)).filter((file) => file.endsWith(".kql"))

describe("KQL queries (infra/queries) and the workbook (infra/haymaker-workbook.json)", () => {
  it("every query file parses and uses only tables and columns the template creates", () => {
    expect(files.sort()).toEqual([
      "dead-letter-reasons.kql",
      "failed-deletions.kql",
      "leaked-resources.kql",
      "leaks-per-run.kql",
      "resource-history.kql",
    ])
    for (const file of files) {
      const analysis = analyze(queryText(file))
      expect({ file, errors: analysis.errors }).toEqual({ file, errors: [] })
      expect(analysis.tables.length).toBeGreaterThan(0)
    }
  })

  it("every query reads only tables and columns the data collection rule delivers", () => {
    expect(delivered.map((table) => table.name).sort()).toEqual(tables.map((table) => table.name).sort())
    const workbookTexts = shippedWorkbook.items.flatMap((item) =>
      item.content.query === undefined ? [] : [[item.name, item.content.query] as const],
    )
    for (const [name, query] of [...files.map((file) => [file, queryText(file)] as const), ...workbookTexts]) {
      const analysis = analyzeDelivered(query)
      expect({ name, errors: analysis.errors }).toEqual({ name, errors: [] })
      expect(analysis.tables.length).toBeGreaterThan(0)
    }
    // A column the table has but no flow delivers is refused.
    const undelivered = kqlAnalyzer(
      delivered.map((table) => ({ ...table, columns: table.columns.filter((c) => c.name !== "deletion_error") })),
    )
    expect(undelivered(queryText("failed-deletions.kql")).errors).toEqual([
      expect.stringMatching(/^KS142 The name 'deletion_error' does not refer to any known/),
    ])
  })

  it("chooses the run after the fold, as the report's --run: a later run's deletion still ends a resource", () => {
    for (const file of ["leaks-per-run.kql", "leaked-resources.kql", "failed-deletions.kql"]) {
      const text = queryText(file)
      // The fold by resource: the latest observation of each, whichever run made it.
      const fold = text.indexOf("arg_max(order, run_id")
      const filters = [...text.matchAll(/run_id == runFilter/g)].map((match) => match.index)
      // One filter, after the fold, never on the observations it folds.
      expect({ file, fold: fold > 0, filters: filters.map((at) => at > fold) }).toEqual({
        file,
        fold: true,
        filters: [true],
      })
    }
  })

  it("reads what each question needs", () => {
    const uses = (file: string) => analyze(queryText(file))
    const resources = ResourcesStream.table
    expect(uses("leaks-per-run.kql").columns).toEqual(
      expect.arrayContaining(
        ["resource_id", "run_id", "status", "created_at", "deleted_at", "sequence_number", "message_id"].map(
          (column) => `${resources}.${column}`,
        ),
      ),
    )
    expect(uses("failed-deletions.kql").columns).toEqual(
      expect.arrayContaining([`${resources}.deletion_attempts`, `${resources}.deletion_error`]),
    )
    expect(uses("resource-history.kql").tables).toEqual(
      [AgentLogsStream.table, DeadLettersStream.table, ResourcesStream.table].sort(),
    )
    expect(uses("dead-letter-reasons.kql").columns).toEqual(
      expect.arrayContaining([`${DeadLettersStream.table}.reason`, `${DeadLettersStream.table}.TimeGenerated`]),
    )
  })

  it("the analyzer does catch a column or a table that does not exist", () => {
    const misspelled = queryText("failed-deletions.kql").replace("deletion_attempts", "deletion_attempt")
    expect(analyze(misspelled).errors).toEqual([
      expect.stringMatching(/^KS142 The name 'deletion_attempt' does not refer to any known/),
    ])
    expect(analyze("HayMakerResource_CL | take 1").errors).toEqual([
      expect.stringMatching(/^KS204 The name 'HayMakerResource_CL' does not refer to any known table/),
    ])
  })

  it("the shipped workbook is the generated one (run `pnpm --filter @haymaker/adapters-sinks infra` after edits)", () => {
    expect(shippedWorkbook).toEqual(JSON.parse(JSON.stringify(workbookContent())))
    // Every query file is in the workbook.
    expect(new Set(workbookQueries.map((query) => query.file))).toEqual(new Set(files))
  })

  it("every workbook query parses and uses only the template's tables and columns; its parameters exist", () => {
    const declared = new Set(
      shippedWorkbook.items.flatMap((item) => item.content.parameters?.map((parameter) => parameter.name) ?? []),
    )
    const queries = shippedWorkbook.items.flatMap((item) =>
      item.content.query === undefined ? [] : [{ name: item.name, query: item.content.query }],
    )
    expect(queries).toHaveLength(workbookQueries.length)
    for (const { name, query } of queries) {
      expect({ name, errors: analyze(query).errors }).toEqual({ name, errors: [] })
      for (const [, parameter] of query.matchAll(/\{(\w+)\}/g)) expect(declared).toContain(parameter)
    }
    for (const file of files)
      for (const parameter of queryParameters(queryText(file))) expect(declared).toContain(parameter)
  })
})
