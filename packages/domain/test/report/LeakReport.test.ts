import { describe, expect, it } from "@effect/vitest"
import { DateTime } from "effect"
import * as fc from "fast-check"
import { type ArchiveEntry, encodeResource, LeakReport, ResourceLedger } from "../../src/index.ts"
import { atDistinctTimes } from "../arbitraries.ts"
import { archived, resourceEvent } from "./fixtures.ts"

const t = (minute: number) => new Date(Date.UTC(2024, 10, 14, 12, minute)).toISOString()

const sample: ReadonlyArray<ArchiveEntry> = [
  // run-a: vm1 deleted, vm2 still present, vm3 failed twice then once more (3 attempts, last error wins)
  archived(resourceEvent("resource_created", "run-a", "vm1", t(0))),
  archived(resourceEvent("resource_created", "run-a", "vm2", t(1))),
  archived(resourceEvent("resource_created", "run-a", "vm3", t(2))),
  archived(resourceEvent("resource_deleted", "run-a", "vm1", t(10))),
  archived(
    resourceEvent("resource_deletion_failed", "run-a", "vm3", t(11), {
      deletion_attempts: 2,
      deletion_error: "locked",
    }),
  ),
  archived(
    resourceEvent("resource_deletion_failed", "run-a", "vm3", t(12), {
      deletion_attempts: 3,
      deletion_error: "in use",
    }),
  ),
  // run-b: everything deleted; one deletion arrives before its creation
  archived(resourceEvent("resource_deleted", "run-b", "vm1", t(30))),
  archived(resourceEvent("resource_created", "run-b", "vm1", t(20))),
  // run-c: only an agent log event
  archived({
    event_type: "agent_started",
    timestamp: t(40),
    scenario_name: "scenario-c",
    run_id: "run-c",
    agent_id: "agent-1",
    message: "started",
    severity: "info",
    details: {},
  }),
  { _tag: "UnreadableLine", location: "events/broken.jsonl:1", problem: "not JSON" },
]

const reportOf = (entries: Iterable<ArchiveEntry>, filter?: Partial<LeakReport.ReportFilter>) => {
  const builder = LeakReport.makeBuilder({ ...LeakReport.noFilter, ...filter })
  for (const entry of entries) builder.add(entry)
  return builder.result()
}

describe("LeakReport", () => {
  it("counts per run what was created, deleted, is still present and whose deletion failed", () => {
    const report = reportOf(sample)
    expect(
      report.runs.map((r) => [r.runId, r.created, r.deleted, r.present, r.deletionFailed, r.leaked, r.events]),
    ).toEqual([
      ["run-a", 3, 1, 1, 1, 2, 6],
      ["run-b", 1, 1, 0, 0, 0, 2],
      ["run-c", 0, 0, 0, 0, 0, 1],
    ])
    expect(report.runs[0]?.scenarios).toEqual(["scenario-run-a"])
    expect(report.runs[0]?.firstEventAt).toBe(Date.parse(t(0)))
    expect(report.runs[0]?.lastEventAt).toBe(Date.parse(t(12)))
    expect(report.totals).toEqual({
      runs: 3,
      events: 9,
      created: 4,
      deleted: 2,
      present: 1,
      deletionFailed: 1,
      leaked: 2,
    })
    expect(report.archive).toEqual({ events: 9, resourceEvents: 8, unreadable: 1 })
    expect(report.unreadableSamples.map((u) => u.location)).toEqual(["events/broken.jsonl:1"])
  })

  it("lists every leaked resource with its status, attempts and last error", () => {
    expect(
      reportOf(sample).leaks.map((r) => [r.runId, r.resourceName, r.status, r.deletionAttempts, r.deletionError]),
    ).toEqual([
      ["run-a", "vm2", "created", 0, undefined],
      ["run-a", "vm3", "deletion_failed", 3, "in use"],
    ])
  })

  it("does not change with duplicates or order", () => {
    const once = reportOf(sample)
    const shuffledTwice = [...sample, ...sample].reverse()
    const again = reportOf(shuffledTwice)
    expect(again.runs.map(({ events: _, ...counts }) => counts)).toEqual(
      once.runs.map(({ events: _, ...counts }) => counts),
    )
    expect(again.leaks.map(encodeResource)).toEqual(once.leaks.map(encodeResource))
  })

  it("keeps only the runs and scenarios asked for", () => {
    const byRun = reportOf(sample, { runIds: ["run-b", "run-c"] })
    expect(byRun.runs.map((r) => r.runId)).toEqual(["run-b", "run-c"])
    expect(byRun.leaks).toEqual([])
    const byScenario = reportOf(sample, { scenarios: ["scenario-run-a"] })
    expect(byScenario.runs.map((r) => r.runId)).toEqual(["run-a"])
    expect(byScenario.leaks.map((r) => r.resourceName)).toEqual(["vm2", "vm3"])
    expect(byScenario.archive.events).toBe(9)
  })

  it("never reports as left behind by a run what a later run deleted, whichever run is asked for", () => {
    // run-a creates vm9 and fails to delete it; run-janitor deletes it later. vm8 of run-a stays.
    const vm9 = {
      resource_id: "/subscriptions/sub1/resourceGroups/rg-shared/providers/Microsoft.Compute/virtualMachines/vm9",
    }
    const entries = [
      archived(resourceEvent("resource_created", "run-a", "vm9", t(0), vm9)),
      archived(resourceEvent("resource_created", "run-a", "vm8", t(1))),
      archived(resourceEvent("resource_deletion_failed", "run-a", "vm9", t(2), { ...vm9, deletion_attempts: 1 })),
      archived(resourceEvent("resource_deleted", "run-janitor", "vm9", t(50), vm9)),
    ]
    const all = reportOf(entries)
    const rows = (report: LeakReport.LeakReport) =>
      report.runs.map((r) => [r.runId, r.created, r.deleted, r.present, r.deletionFailed, r.leaked])
    expect(rows(all)).toEqual([
      ["run-a", 1, 0, 1, 0, 1],
      ["run-janitor", 1, 1, 0, 0, 0],
    ])
    const runA = reportOf(entries, { runIds: ["run-a"] })
    expect(rows(runA)).toEqual([["run-a", 1, 0, 1, 0, 1]])
    expect(runA.leaks.map((r) => r.resourceName)).toEqual(["vm8"])
    const scenarioA = reportOf(entries, { scenarios: ["scenario-run-a"] })
    expect(scenarioA.leaks.map((r) => r.resourceName)).toEqual(["vm8"])
    expect(runA.archive).toEqual({ events: 4, resourceEvents: 3, unreadable: 0 })
  })

  it("agrees with ResourceLedger.reports for any events with distinct times", () => {
    const events = atDistinctTimes(
      fc.record({
        type: fc.constantFrom(
          "resource_created" as const,
          "resource_deleted" as const,
          "resource_deletion_failed" as const,
        ),
        run: fc.constantFrom("r1", "r2", "r3"),
        name: fc.constantFrom("a", "b", "c", "d", "e"),
      }),
      40,
      50_000,
    ).map((shapes) =>
      shapes.map((shape) =>
        archived(
          resourceEvent(shape.type, shape.run, shape.name, shape.timestamp, { resource_id: `/subs/${shape.name}` }),
        ),
      ),
    )
    fc.assert(
      fc.property(events, fc.subarray(["r1", "r2", "r3"]), (entries, runIds) => {
        // Asking for some runs gives exactly those runs' rows and leaks of the whole report.
        const all = reportOf(entries)
        const some = reportOf(entries, { runIds })
        const chosen = (runId: string) => runIds.length === 0 || runIds.includes(runId)
        expect(some.runs).toEqual(all.runs.filter((r) => chosen(r.runId)))
        expect(some.leaks).toEqual(all.leaks.filter((r) => chosen(r.runId)))
        const report = all
        const ledger = ResourceLedger.fromResources(entries.flatMap((e) => (e.resource ? [e.resource] : [])))
        const expected = ResourceLedger.reports(ledger)
        const counted = report.runs.filter((r) => r.created > 0)
        expect(counted.map((r) => [r.runId, r.present, r.deleted, r.deletionFailed])).toEqual(
          expected.map((r) => [r.runId, r.present.length, r.deleted.length, r.deletionFailed.length]),
        )
        // Within a run the ledger lists present before failed; the report orders by resource id.
        const leaks = expected.flatMap((r) =>
          [...r.present, ...r.deletionFailed.map((f) => f.resource)].sort((a, b) =>
            a.resourceId < b.resourceId ? -1 : 1,
          ),
        )
        expect(report.leaks.map(encodeResource)).toEqual(leaks.map(encodeResource))
      }),
      { numRuns: 300 },
    )
  })

  it("records the filter it was asked for", () => {
    const since = DateTime.makeUnsafe("2024-11-14T00:00:00Z")
    expect(reportOf([], { since, runIds: ["x"] }).filter).toEqual({ runIds: ["x"], scenarios: [], since })
  })
})
