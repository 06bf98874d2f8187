import type { HistoryDocument, LeakReportDocument, ReportDocument } from "./ReportDocument.ts"
import { describeFilter } from "./reportTable.ts"

/**
 * The report as one self-contained HTML file: inline CSS and SVG, no script, no font or image to fetch, and a
 * Content-Security-Policy that forbids loading anything, so it reads the same offline, attached to a ticket, or in a
 * mail. Every value from the archive is escaped: resource names come from agents and are not trusted.
 */

const escapeHtml = (value: unknown): string =>
  String(value).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  )

const count = (n: number) => n.toLocaleString("en-US")

/** One color per status, shared by the chart, its legend and the badges. */
const STATUSES = [
  { field: "deleted", label: "deleted", color: "#5b8f6a" },
  { field: "present", label: "still present", color: "#d99a2b" },
  { field: "deletion_failed", label: "deletion failed", color: "#c2413a" },
] as const

const STYLE = `
:root { color-scheme: light; --ink: #1d232a; --muted: #5d6875; --rule: #d8dde3; --panel: #f5f7f9; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 8px; }
.scope { color: var(--muted); margin: 0; }
.totals { display: flex; flex-wrap: wrap; gap: 10px; margin-top: 16px; }
.card { background: var(--panel); border: 1px solid var(--rule); border-radius: 6px; padding: 10px 14px; min-width: 120px; }
.card .value { display: block; font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .label { color: var(--muted); }
.card.alert .value { color: #c2413a; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--rule); vertical-align: top; }
th { background: var(--panel); font-weight: 600; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.run { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; white-space: nowrap; }
td.id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; word-break: break-all; min-width: 14em; }
td[data-field="deletion_error"] { min-width: 12em; }
td[data-field="resource_type"] { overflow-wrap: anywhere; min-width: 15em; }
tfoot td { font-weight: 600; }
.badge { display: inline-block; padding: 1px 7px; border-radius: 10px; color: #fff; font-size: 12px; white-space: nowrap; }
.none { color: var(--muted); }
svg text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: var(--ink); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
`

const page = (title: string, body: string): string =>
  [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    body,
    "</body>",
    "</html>",
    "",
  ].join("\n")

/** A Resource status as a colored label: `created` and `exists` are both still present. */
const badge = (status: string): string => {
  const [deleted, present, failed] = STATUSES
  const color = status === "deleted" ? deleted.color : status === "deletion_failed" ? failed.color : present.color
  return `<span class="badge" style="background:${color}">${escapeHtml(status)}</span>`
}

const LABEL_WIDTH = 210
const BAR_WIDTH = 520
const ROW_HEIGHT = 24
const LEGEND_HEIGHT = 30

/** Horizontal stacked bars, one per run: its resources by status, on one scale for every run. */
const chart = (report: LeakReportDocument): string => {
  const largest = Math.max(1, ...report.runs.map((run) => run.created))
  const width = LABEL_WIDTH + BAR_WIDTH + 120
  const height = LEGEND_HEIGHT + Math.max(1, report.runs.length) * ROW_HEIGHT + 6
  const legend = STATUSES.map(
    (status, i) =>
      `<g transform="translate(${LABEL_WIDTH + i * 150},8)"><rect width="12" height="12" rx="2" fill="${status.color}"/><text x="18" y="11">${status.label}</text></g>`,
  ).join("")
  const rows = report.runs.map((run, i) => {
    const y = LEGEND_HEIGHT + i * ROW_HEIGHT
    const label = run.run_id.length > 30 ? `${run.run_id.slice(0, 29)}…` : run.run_id
    let x = LABEL_WIDTH
    const bars = STATUSES.map((status) => {
      const n = run[status.field]
      const w = (n / largest) * BAR_WIDTH
      const rect = `<rect data-run="${escapeHtml(run.run_id)}" data-status="${status.field}" data-count="${n}" x="${x.toFixed(2)}" y="${y + 3}" width="${w.toFixed(2)}" height="${ROW_HEIGHT - 6}" fill="${status.color}"><title>${escapeHtml(run.run_id)}: ${count(n)} ${status.label}</title></rect>`
      x += w
      return rect
    }).join("")
    const total =
      run.created === 0
        ? `<text x="${LABEL_WIDTH + 4}" y="${y + 16}" class="none">no resources</text>`
        : `<text x="${(x + 6).toFixed(2)}" y="${y + 16}">${count(run.leaked)} of ${count(run.created)} left</text>`
    return `<g><text x="0" y="${y + 16}"><title>${escapeHtml(run.run_id)}</title>${escapeHtml(label)}</text>${bars}${total}</g>`
  })
  const empty =
    report.runs.length === 0 ? `<text x="0" y="${LEGEND_HEIGHT + 16}" class="none">No runs in scope.</text>` : ""
  return `<svg id="chart" role="img" aria-label="Resources by status per run" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${legend}${rows.join("")}${empty}</svg>`
}

const numberCell = (field: string, n: number) => `<td class="num" data-field="${field}">${count(n)}</td>`

const leakPage = (report: LeakReportDocument): string => {
  const totals = [
    ["runs", "runs", report.totals.runs],
    ["created", "resources created", report.totals.created],
    ["deleted", "deleted", report.totals.deleted],
    ["present", "still present", report.totals.present],
    ["deletion_failed", "deletion failed", report.totals.deletion_failed],
    ["leaked", "still in Azure", report.totals.leaked],
  ] as const
  const cards = totals
    .map(
      ([field, label, n]) =>
        `<div class="card${field === "leaked" && n > 0 ? " alert" : ""}" data-field="${field}"><span class="value">${count(n)}</span><span class="label">${label}</span></div>`,
    )
    .join("")
  const runRows = report.runs
    .map(
      (run) =>
        `<tr data-run="${escapeHtml(run.run_id)}"><td class="run" data-field="run_id">${escapeHtml(run.run_id)}</td><td data-field="scenarios">${escapeHtml(run.scenarios.join(", "))}</td><td data-field="first_event_at">${escapeHtml(run.first_event_at)}</td><td data-field="last_event_at">${escapeHtml(run.last_event_at)}</td>${numberCell("created", run.created)}${numberCell("deleted", run.deleted)}${numberCell("present", run.present)}${numberCell("deletion_failed", run.deletion_failed)}${numberCell("leaked", run.leaked)}</tr>`,
    )
    .join("\n")
  const totalRow = `<tr><td colspan="4">total</td>${numberCell("created", report.totals.created)}${numberCell("deleted", report.totals.deleted)}${numberCell("present", report.totals.present)}${numberCell("deletion_failed", report.totals.deletion_failed)}${numberCell("leaked", report.totals.leaked)}</tr>`
  const leakRows = report.leaks
    .map(
      (leak) =>
        `<tr><td class="run" data-field="run_id">${escapeHtml(leak.run_id)}</td><td data-field="status">${badge(leak.status)}</td><td data-field="resource_type">${escapeHtml(leak.resource_type)}</td><td data-field="resource_name">${escapeHtml(leak.resource_name)}</td><td class="num" data-field="deletion_attempts">${leak.deletion_attempts}</td><td data-field="deletion_error">${escapeHtml(leak.deletion_error ?? "")}</td><td class="id" data-field="resource_id">${escapeHtml(leak.resource_id)}</td></tr>`,
    )
    .join("\n")
  const unreadable =
    report.archive.unreadable === 0
      ? ""
      : `<h2>Unreadable lines (${count(report.archive.unreadable)})</h2><ul id="unreadable">${report.archive.unreadable_samples.map((line) => `<li><code>${escapeHtml(line.location)}</code>: ${escapeHtml(line.problem)}</li>`).join("")}</ul>`
  return page(
    "HayMaker leak report",
    [
      "<header>",
      "<h1>HayMaker leak report</h1>",
      `<p class="scope">${escapeHtml(describeFilter(report.filter))} · ${count(report.archive.events)} archived events read from ${escapeHtml(report.archive.source)} · generated ${escapeHtml(report.generated_at)}</p>`,
      "</header>",
      `<section class="totals" id="totals">${cards}</section>`,
      "<h2>Resources by status per run</h2>",
      chart(report),
      "<h2>Runs</h2>",
      '<table id="runs"><thead><tr><th>run</th><th>scenarios</th><th>first event</th><th>last event</th><th class="num">created</th><th class="num">deleted</th><th class="num">still present</th><th class="num">deletion failed</th><th class="num">still in Azure</th></tr></thead>',
      `<tbody>${runRows}</tbody><tfoot>${totalRow}</tfoot></table>`,
      `<h2>Still in Azure (${count(report.leaks.length)})</h2>`,
      report.leaks.length === 0
        ? '<p class="none" id="no-leaks">None: every resource these runs created was deleted.</p>'
        : `<table id="leaks"><thead><tr><th>run</th><th>status</th><th>type</th><th>name</th><th class="num">deletion attempts</th><th>last error</th><th>resource id</th></tr></thead><tbody>${leakRows}</tbody></table>`,
      unreadable,
      "<footer>haymaker-worker report · one self-contained file: no script, nothing loaded from a network.</footer>",
    ].join("\n"),
  )
}

const historyPage = (history: HistoryDocument): string => {
  const state = history.state
  const rows = history.events
    .map(
      (event) =>
        `<tr><td data-field="at">${escapeHtml(event.at)}</td><td data-field="event_type">${escapeHtml(event.event_type ?? "")}</td><td class="run" data-field="run_id">${escapeHtml(event.run_id ?? "")}</td><td data-field="status">${event.status === null ? "" : badge(event.status)}</td><td class="num" data-field="deletion_attempts">${event.deletion_attempts ?? ""}</td><td data-field="deletion_error">${escapeHtml(event.deletion_error ?? "")}</td><td class="id" data-field="message_id">${escapeHtml(event.message_id ?? event.location)}</td></tr>`,
    )
    .join("\n")
  return page(
    `HayMaker resource history: ${history.resource_id}`,
    [
      "<header>",
      "<h1>HayMaker resource history</h1>",
      `<p class="scope id">${escapeHtml(history.resource_id)} · ${escapeHtml(history.archive.source)} · generated ${escapeHtml(history.generated_at)}</p>`,
      "</header>",
      state === null
        ? '<p class="none" id="state">The archive holds no lifecycle event of this resource.</p>'
        : `<p id="state">${badge(state.status)} run <code>${escapeHtml(state.run_id)}</code>, scenario ${escapeHtml(state.scenario_name)}, created ${escapeHtml(state.created_at)}${state.deleted_at === null ? "" : `, deleted ${escapeHtml(state.deleted_at)}`}, ${state.deletion_attempts} deletion attempts${state.deletion_error === null ? "" : `, last error: ${escapeHtml(state.deletion_error)}`}</p>`,
      "<h2>Events</h2>",
      history.events.length === 0
        ? '<p class="none">No archived event names this resource.</p>'
        : `<table id="events"><thead><tr><th>at</th><th>event</th><th>run</th><th>status</th><th class="num">attempts</th><th>error</th><th>message</th></tr></thead><tbody>${rows}</tbody></table>`,
      "<footer>haymaker-worker report · one self-contained file: no script, nothing loaded from a network.</footer>",
    ].join("\n"),
  )
}

export const reportHtml = (document: ReportDocument): string =>
  document.report === "leaks" ? leakPage(document) : historyPage(document)
