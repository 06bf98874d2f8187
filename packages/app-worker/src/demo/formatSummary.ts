import { ResourceLedger } from "@haymaker/domain"
import type { DeadLetterLine } from "../deadLetters/deadLetterLine.ts"
import { textTable as table } from "../report/textTable.ts"

export interface DemoSummary {
  readonly published: number
  readonly settled: number
  readonly elapsedMs: number
  readonly byType: ReadonlyMap<string, number>
  readonly ledger: ResourceLedger.ResourceLedger
  readonly resourceRows: number
  readonly logRows: number
  readonly archivedBlobs: number
  readonly deadLetters: ReadonlyArray<DeadLetterLine>
  readonly outputDir: string
  /** Where each part went, in words: `local Logs Ingestion server https://…`, `files under …`. */
  readonly endpoints: { readonly serviceBus: string; readonly archive: string; readonly logAnalytics: string }
  /** What becomes of the outputs when the demo ends. */
  readonly afterwards: string
}

/** The demo's closing report, as plain text tables. */
export const formatSummary = (summary: DemoSummary): string => {
  const statuses = new Map<string, number>()
  for (const resource of ResourceLedger.resources(summary.ledger)) {
    statuses.set(resource.status, (statuses.get(resource.status) ?? 0) + 1)
  }
  const runs = ResourceLedger.reports(summary.ledger)
  const reasons = new Map<string, number>()
  for (const letter of summary.deadLetters) reasons.set(letter.reason, (reasons.get(letter.reason) ?? 0) + 1)
  const rate = summary.elapsedMs > 0 ? Math.round((summary.settled / summary.elapsedMs) * 1000) : 0
  const outcome =
    summary.settled >= summary.published
      ? `all ${summary.published} messages settled in ${(summary.elapsedMs / 1000).toFixed(1)} s (${rate} messages/s)`
      : `only ${summary.settled} of ${summary.published} messages settled before the timeout`

  return [
    `HayMaker demo: ${outcome}`,
    "",
    "Events archived, by type",
    table(
      ["event_type", "count"],
      [...summary.byType].sort(([a], [b]) => a.localeCompare(b)),
    ),
    "",
    "Resources by current status (ledger over the archived events)",
    table(
      ["status", "count"],
      [...statuses].sort(([a], [b]) => a.localeCompare(b)),
    ),
    "",
    "Leaks per run (resources still present, deletions that failed)",
    table(
      ["run_id", "present", "deleted", "deletion_failed"],
      runs.map((run) => [run.runId ?? "", run.present.length, run.deleted.length, run.deletionFailed.length]),
    ),
    "",
    `Dead-lettered messages: ${summary.deadLetters.length}`,
    summary.deadLetters.length === 0
      ? "(none)"
      : table(
          ["reason", "description"],
          summary.deadLetters.map((letter) => [letter.reason, letter.description.slice(0, 100)]),
        ),
    "",
    "Where the outputs are",
    `  Log Analytics rows:   ${summary.resourceRows} resource rows, ${summary.logRows} agent log rows (${summary.endpoints.logAnalytics})`,
    `  Blob archive:         ${summary.archivedBlobs} archived messages (${summary.endpoints.archive})`,
    `  Copies on disk:       ${summary.outputDir}/{log-analytics/*.jsonl, archive.jsonl, dead-letters.jsonl}`,
    `  (${summary.afterwards})`,
  ].join("\n")
}
