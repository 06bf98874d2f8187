import { type ArchiveEntry, ArchiveReader, LeakReport, parseTimestamp, ResourceHistory } from "@haymaker/domain"
import { DateTime, Effect } from "effect"
import { historyDocument, leakReportDocument, type ReportDocument } from "./ReportDocument.ts"

export interface ReportRequest {
  readonly runs: ReadonlyArray<string>
  readonly scenarios: ReadonlyArray<string>
  readonly since: DateTime.Utc | undefined
  /** A resource id: its history instead of the leak report. */
  readonly resource: string | undefined
}

/** One pass over the archive, folding each entry as its line is read: memory holds the fold, not the archive. */
const fold = (reader: ArchiveReader["Service"], since: DateTime.Utc | undefined, add: (entry: ArchiveEntry) => void) =>
  reader.forEach({ since }, add)

/** Reads the archive once and answers the request: the leak report, or one resource's history. */
export const buildReport = Effect.fn("Report.build")(function* (request: ReportRequest) {
  const reader = yield* ArchiveReader
  const generatedAt = yield* DateTime.now
  if (request.resource !== undefined) {
    const history = ResourceHistory.makeBuilder(request.resource)
    yield* fold(reader, request.since, history.add)
    return historyDocument(history.result(), reader.description, generatedAt) as ReportDocument
  }
  const report = LeakReport.makeBuilder({ runIds: request.runs, scenarios: request.scenarios, since: request.since })
  yield* fold(reader, request.since, report.add)
  return leakReportDocument(report.result(), reader.description, generatedAt) as ReportDocument
})

const DURATION = /^(\d+)\s*(m|min|h|d|w)$/i
const UNIT_MS: Readonly<Record<string, number>> = {
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
}

/**
 * `--since`: an ISO-8601 date or date-time (a date-time without offset is UTC), or a duration back from `now`
 * (`90m`, `24h`, `7d`, `2w`). `undefined` when it is neither.
 */
export const parseSince = (text: string, now: DateTime.Utc): DateTime.Utc | undefined => {
  const duration = DURATION.exec(text.trim())
  if (duration !== null) {
    const unit = UNIT_MS[(duration[2] ?? "").toLowerCase()] ?? 0
    return DateTime.subtract(now, { milliseconds: Number(duration[1]) * unit })
  }
  return parseTimestamp(text.trim())
}
