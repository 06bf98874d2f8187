import { readFileSync } from "node:fs"

/**
 * The Azure Monitor workbook of the leak report, generated from the KQL files in `queries/` (the one place the
 * queries live: paste them into Log Analytics as they are) and written to `haymaker-workbook.json` by
 * `pnpm --filter @haymaker/adapters-sinks infra`. The table names in the queries are checked against the tables of
 * `haymaker-logs.json` (generated from `src/logAnalytics/Streams.ts`) by a test, with Microsoft's KQL analyzer.
 * `workbookResource` is the ARM resource that deploys it, for the deployment templates.
 */

const WORKSPACE = "microsoft.operationalinsights/workspaces"

/** A query file: its name in `queries/`, its title, how the workbook shows it. */
export interface WorkbookQuery {
  readonly file: string
  readonly title: string
  readonly visualization: "table" | "barchart" | "timechart"
  /** Appended to the file's query for this item (the chart's columns). */
  readonly suffix?: string
  /** Shown only when this parameter is set. */
  readonly whenSet?: string
}

export const workbookQueries: ReadonlyArray<WorkbookQuery> = [
  {
    file: "leaks-per-run.kql",
    title: "Resources by status per run",
    visualization: "barchart",
    suffix: "| project run_id, deleted, still_present, deletion_failed",
  },
  { file: "leaks-per-run.kql", title: "Leaks per run", visualization: "table" },
  {
    file: "leaked-resources.kql",
    title: "Still in Azure: never deleted, or the deletion failed",
    visualization: "table",
  },
  { file: "failed-deletions.kql", title: "Failed deletions: attempts and last error", visualization: "table" },
  { file: "dead-letter-reasons.kql", title: "Dead-lettered messages by reason", visualization: "timechart" },
  { file: "resource-history.kql", title: "Resource history", visualization: "table", whenSet: "ResourceId" },
]

/** The text of a query file in `queries/`. */
export const queryText = (file: string): string => readFileSync(new URL(`./queries/${file}`, import.meta.url), "utf8")

// `let name = "default"; // parameter Name: …` in a query file takes the workbook parameter `Name`.
const PARAMETER_LINE = /^let (\w+) = "[^"]*"; \/\/ parameter (\w+)\b.*$/gm

/** A query file's text as the workbook runs it: parameter lines read the workbook's parameters, no `render`. */
export const workbookQueryText = (text: string): string =>
  text
    .replace(PARAMETER_LINE, (_, name: string, parameter: string) => `let ${name} = "{${parameter}}";`)
    .replace(/^\| render .*$\n?/gm, "")
    .trimEnd()

/** The parameters query files ask for, in order of first use. */
export const queryParameters = (text: string): Array<string> =>
  [...new Set([...text.matchAll(PARAMETER_LINE)].map((match) => match[2] ?? ""))].filter((name) => name !== "")

const textItem = (name: string, markdown: string) => ({ type: 1, content: { json: markdown }, name })

const parameters = {
  type: 9,
  content: {
    version: "KqlParameterItem/1.0",
    parameters: [
      {
        id: "0d5a8f7e-52a4-4bf4-9c0e-6a3c1c7e0b01",
        version: "KqlParameterItem/1.0",
        name: "TimeRange",
        label: "Events from",
        type: 4,
        isRequired: true,
        value: { durationMs: 604_800_000 },
        typeSettings: {
          selectableValues: [86_400_000, 259_200_000, 604_800_000, 1_209_600_000, 2_592_000_000, 7_776_000_000].map(
            (durationMs) => ({ durationMs }),
          ),
          allowCustom: true,
        },
      },
      {
        id: "0d5a8f7e-52a4-4bf4-9c0e-6a3c1c7e0b02",
        version: "KqlParameterItem/1.0",
        name: "RunId",
        label: "Run (empty: every run)",
        type: 1,
        value: "",
      },
      {
        id: "0d5a8f7e-52a4-4bf4-9c0e-6a3c1c7e0b03",
        version: "KqlParameterItem/1.0",
        name: "ResourceId",
        label: "Resource id (for its history)",
        type: 1,
        value: "",
      },
    ],
    style: "pills",
    queryType: 0,
    resourceType: WORKSPACE,
  },
  name: "parameters",
}

const queryItem = (query: WorkbookQuery, index: number) => ({
  type: 3,
  content: {
    version: "KqlItem/1.0",
    query: `${workbookQueryText(queryText(query.file))}${query.suffix === undefined ? "" : `\n${query.suffix}`}`,
    size: 0,
    title: query.title,
    timeContextFromParameter: "TimeRange",
    queryType: 0,
    resourceType: WORKSPACE,
    visualization: query.visualization,
    ...(query.visualization === "barchart" ? { chartSettings: { group: "run_id", createOtherGroup: null } } : {}),
  },
  ...(query.whenSet === undefined
    ? {}
    : { conditionalVisibility: { parameterName: query.whenSet, comparison: "isNotEqualTo", value: "" } }),
  name: `${query.file.replace(/\.kql$/, "")}-${index}`,
})

/** The workbook (`Notebook/1.0`), as the portal's Advanced Editor shows it. */
export const workbookContent = () => ({
  version: "Notebook/1.0",
  items: [
    textItem(
      "title",
      [
        "## HayMaker: what the runs left behind",
        "Resources the agents created and did not delete, deletions that failed, and messages the worker dead-lettered.",
        "Counted as `haymaker-worker report` counts them: one observation per message (redelivered copies removed),",
        "resource ids compared without case, the latest observation decides and a deletion is final.",
        "The time range chooses the events read.",
      ].join("\n"),
    ),
    parameters,
    ...workbookQueries.map(queryItem),
  ],
  fallbackResourceIds: [],
  $schema: "https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json",
})

export const workbookText = (): string => `${JSON.stringify(workbookContent(), null, 2)}\n`

/** Workbooks' API version in `workbookResource`. */
export const WORKBOOKS_API_VERSION = "2023-06-01"

/**
 * The ARM resource that deploys the workbook next to the workspace, for a deployment template: `workspaceId` and
 * `location` are template expressions (`[resourceId(…)]`, `[parameters('location')]`).
 */
export const workbookResource = (options: { readonly workspaceId: string; readonly location: string }) => ({
  type: "Microsoft.Insights/workbooks",
  apiVersion: WORKBOOKS_API_VERSION,
  // Deterministic, so that deploying again updates the same workbook.
  name: `[guid(resourceGroup().id, 'haymaker-leak-report')]`,
  location: options.location,
  kind: "shared",
  properties: {
    displayName: "HayMaker leak report",
    category: "workbook",
    version: "1.0",
    sourceId: options.workspaceId,
    serializedData: JSON.stringify(workbookContent()),
  },
})
