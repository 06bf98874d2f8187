import {
  encodeResource,
  type LeakReport,
  type ResourceHistory,
  type ResourceRecordJson,
  type ResourceStatus,
} from "@haymaker/domain"
import { DateTime } from "effect"

/**
 * The report as data, in the words of the archive and of Log Analytics (snake_case, ISO-8601 UTC): what `--format
 * json` prints, and what the table and the HTML page are rendered from, so the three always agree.
 */
export interface LeakReportDocument {
  readonly report: "leaks"
  readonly generated_at: string
  readonly archive: {
    readonly source: string
    readonly events: number
    readonly resource_events: number
    readonly unreadable: number
    readonly unreadable_samples: ReadonlyArray<{ readonly location: string; readonly problem: string }>
  }
  readonly filter: {
    readonly runs: ReadonlyArray<string>
    readonly scenarios: ReadonlyArray<string>
    readonly since: string | null
  }
  readonly totals: RunCounts & { readonly runs: number; readonly events: number }
  readonly runs: ReadonlyArray<RunDocument>
  /** Every resource still in Azure: never deleted, or whose latest deletion failed. */
  readonly leaks: ReadonlyArray<ResourceRecordJson>
}

export interface RunCounts {
  readonly created: number
  readonly deleted: number
  readonly present: number
  readonly deletion_failed: number
  readonly leaked: number
}

export interface RunDocument extends RunCounts {
  readonly run_id: string
  readonly scenarios: ReadonlyArray<string>
  readonly events: number
  readonly first_event_at: string
  readonly last_event_at: string
}

export interface HistoryDocument {
  readonly report: "resource"
  readonly generated_at: string
  readonly archive: { readonly source: string }
  readonly resource_id: string
  /** The ledger's state of the resource; `null` when the archive holds no lifecycle event of it. */
  readonly state: ResourceRecordJson | null
  readonly events: ReadonlyArray<{
    readonly at: string
    readonly event_type: string | null
    readonly message_id: string | null
    readonly location: string
    readonly run_id: string | null
    readonly status: ResourceStatus | null
    readonly deletion_attempts: number | null
    readonly deletion_error: string | null
    readonly event: unknown
  }>
}

export type ReportDocument = LeakReportDocument | HistoryDocument

const iso = (millis: number) => new Date(millis).toISOString()

export const leakReportDocument = (
  report: LeakReport.LeakReport,
  source: string,
  generatedAt: DateTime.Utc,
): LeakReportDocument => ({
  report: "leaks",
  generated_at: DateTime.formatIso(generatedAt),
  archive: {
    source,
    events: report.archive.events,
    resource_events: report.archive.resourceEvents,
    unreadable: report.archive.unreadable,
    unreadable_samples: report.unreadableSamples.map(({ location, problem }) => ({ location, problem })),
  },
  filter: {
    runs: report.filter.runIds,
    scenarios: report.filter.scenarios,
    since: report.filter.since === undefined ? null : DateTime.formatIso(report.filter.since),
  },
  totals: {
    runs: report.totals.runs,
    events: report.totals.events,
    created: report.totals.created,
    deleted: report.totals.deleted,
    present: report.totals.present,
    deletion_failed: report.totals.deletionFailed,
    leaked: report.totals.leaked,
  },
  runs: report.runs.map((run) => ({
    run_id: run.runId,
    scenarios: run.scenarios,
    events: run.events,
    first_event_at: iso(run.firstEventAt),
    last_event_at: iso(run.lastEventAt),
    created: run.created,
    deleted: run.deleted,
    present: run.present,
    deletion_failed: run.deletionFailed,
    leaked: run.leaked,
  })),
  leaks: report.leaks.map(encodeResource),
})

export const historyDocument = (
  history: ResourceHistory.ResourceHistory,
  source: string,
  generatedAt: DateTime.Utc,
): HistoryDocument => ({
  report: "resource",
  generated_at: DateTime.formatIso(generatedAt),
  archive: { source },
  resource_id: history.resourceId,
  state: history.state === undefined ? null : encodeResource(history.state),
  events: history.events.map((event) => ({
    at: iso(event.at),
    event_type: event.eventType ?? null,
    message_id: event.messageId ?? null,
    location: event.location,
    run_id: event.resource?.runId ?? (typeof event.event.run_id === "string" ? event.event.run_id : null),
    status: event.resource?.status ?? null,
    deletion_attempts: event.resource?.deletionAttempts ?? null,
    deletion_error: event.resource?.deletionError ?? null,
    event: event.event,
  })),
})
