import type { HistoryDocument, LeakReportDocument, ReportDocument } from "./ReportDocument.ts"
import { textTable } from "./textTable.ts"

const count = (n: number) => n.toLocaleString("en-US")
const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`

/** A table of `items`, a row each, or the sentence `none` when there are none. */
const tableOrNone = <A>(
  items: ReadonlyArray<A>,
  none: string,
  headers: ReadonlyArray<string>,
  row: (item: A) => ReadonlyArray<string | number>,
): string => (items.length === 0 ? none : textTable(headers, items.map(row)))

/** What part of the archive a report covers, in words. */
export const describeFilter = (filter: LeakReportDocument["filter"]): string => {
  const parts = [
    filter.runs.length > 0 ? `run ${filter.runs.join(", ")}` : undefined,
    filter.scenarios.length > 0 ? `scenario ${filter.scenarios.join(", ")}` : undefined,
    filter.since === null ? undefined : `events since ${filter.since}`,
  ].filter((part) => part !== undefined)
  return parts.length === 0 ? "every run" : parts.join("; ")
}

const leakTable = (report: LeakReportDocument): string => {
  const header = [
    `HayMaker leak report: ${describeFilter(report.filter)}`,
    `Archive: ${report.archive.source}`,
    `Read ${plural(report.archive.events, "archived event")} (${count(report.archive.resource_events)} resource events in scope), ${plural(report.archive.unreadable, "unreadable line")}; generated ${report.generated_at}`,
  ]
  const runs = textTable(
    ["run_id", "scenarios", "first event", "last event", "created", "deleted", "present", "deletion_failed", "leaked"],
    [
      ...report.runs.map((run) => [
        run.run_id,
        run.scenarios.join(","),
        run.first_event_at,
        run.last_event_at,
        run.created,
        run.deleted,
        run.present,
        run.deletion_failed,
        run.leaked,
      ]),
      [
        `total (${plural(report.totals.runs, "run")})`,
        "",
        "",
        "",
        report.totals.created,
        report.totals.deleted,
        report.totals.present,
        report.totals.deletion_failed,
        report.totals.leaked,
      ],
    ],
  )
  const leaks = tableOrNone(
    report.leaks,
    "None: every resource these runs created was deleted.",
    ["run_id", "status", "resource_type", "resource_name", "attempts", "last error", "resource_id"],
    (leak) => [
      leak.run_id,
      leak.status,
      leak.resource_type,
      leak.resource_name,
      leak.deletion_attempts,
      leak.deletion_error ?? "",
      leak.resource_id,
    ],
  )
  const unreadable =
    report.archive.unreadable === 0
      ? []
      : [
          "",
          `Unreadable lines (${plural(report.archive.unreadable, "line")}, first ${report.archive.unreadable_samples.length} shown)`,
          ...report.archive.unreadable_samples.map((line) => `  ${line.location}: ${line.problem}`),
        ]
  return [
    ...header,
    "",
    "Resources by run",
    runs,
    "",
    `Still in Azure (${plural(report.leaks.length, "resource")}: created and never deleted, or their deletion failed)`,
    leaks,
    ...unreadable,
  ].join("\n")
}

const historyTable = (history: HistoryDocument): string => {
  const state = history.state
  return [
    `HayMaker resource history: ${history.resource_id}`,
    `Archive: ${history.archive.source}; generated ${history.generated_at}`,
    "",
    state === null
      ? "State: the archive holds no lifecycle event of this resource."
      : `State: ${state.status} (run ${state.run_id}, scenario ${state.scenario_name}, created ${state.created_at}${state.deleted_at === null ? "" : `, deleted ${state.deleted_at}`}, ${plural(state.deletion_attempts, "deletion attempt")}${state.deletion_error === null ? "" : `, last error: ${state.deletion_error}`})`,
    "",
    tableOrNone(
      history.events,
      "No archived event names this resource.",
      ["at", "event_type", "run_id", "status", "attempts", "error", "message_id"],
      (event) => [
        event.at,
        event.event_type ?? "",
        event.run_id ?? "",
        event.status ?? "",
        event.deletion_attempts ?? "",
        event.deletion_error ?? "",
        event.message_id ?? event.location,
      ],
    ),
  ].join("\n")
}

/** The report as plain text tables, for a terminal. */
export const reportTable = (document: ReportDocument): string =>
  document.report === "leaks" ? leakTable(document) : historyTable(document)
