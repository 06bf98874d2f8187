/**
 * `pnpm demo`: parses the bundled sample events (the seed's Event Schema examples within a sample run of agent log
 * events) and prints the resulting resources, the entries that were skipped, and the run report of the ledger.
 */
import { DateTime } from "effect"
import { sampleRun } from "../src/fixtures/sampleEvents.ts"
import { parseResourceEventsDetailed, type Resource, ResourceLedger } from "../src/index.ts"
import { table } from "./table.ts"

const time = (value: DateTime.Utc | undefined) => (value === undefined ? "" : DateTime.formatIso(value))
const short = (resourceId: string) => resourceId.split("/").slice(-2).join("/")

const { resources, skipped } = parseResourceEventsDetailed(sampleRun)

console.log(`Parsed ${sampleRun.length} sample events into ${resources.length} resources.\n`)
console.log(
  table(
    ["#", "status", "name", "type", "created at", "deleted at", "attempts", "deletion error"],
    resources.map((r: Resource, i) => [
      String(i + 1),
      r.status,
      r.resourceName,
      r.resourceType,
      time(r.createdAt),
      time(r.deletedAt),
      String(r.deletionAttempts),
      r.deletionError ?? "",
    ]),
  ),
)

console.log(`\nSkipped ${skipped.length} entries:\n`)
console.log(
  table(
    ["index", "level", "reason"],
    skipped.map((s) => [String(s.index), s.level, s.message]),
  ),
)

const ledger = ResourceLedger.fromResources(resources)
for (const report of ResourceLedger.reports(ledger)) {
  console.log(`\nLedger, run ${report.runId} (state per resource after folding the events above):\n`)
  console.log(
    table(
      ["state", "resource", "detail"],
      [
        ...report.present.map((r) => ["present", short(r.resourceId), `created ${time(r.createdAt)}`]),
        ...report.deleted.map((r) => ["deleted", short(r.resourceId), `deleted ${time(r.deletedAt)}`]),
        ...report.deletionFailed.map((f) => [
          "deletion failed",
          short(f.resource.resourceId),
          `${f.attempts} attempts: ${f.error ?? "no error reported"}`,
        ]),
      ],
    ),
  )
}
