/**
 * The leak report: what each run created, what it deleted, and what it left behind, folded from the archive in one
 * pass. Pure and synchronous; the archive is read elsewhere (the `ArchiveReader` port) and the result rendered
 * elsewhere (the worker's `report` command).
 */
import type { DateTime } from "effect"
import type { ArchiveEntry, UnreadableLine } from "../ports/ArchiveReader.ts"
import type { Resource } from "../Resource.ts"
import * as ResourceLedger from "../ResourceLedger.ts"

/**
 * Which part of the archive the report covers (empty lists: everything). The runs and scenarios choose which rows
 * and leaks are reported, not which events are folded: a resource's state comes from every event naming it, so a
 * resource that one run created and a later run deleted is never reported as left behind by the first.
 */
export interface ReportFilter {
  /** Only these runs, and the resources whose latest observation is theirs. */
  readonly runIds: ReadonlyArray<string>
  /** Only these scenarios, and the resources whose latest observation is theirs. */
  readonly scenarios: ReadonlyArray<string>
  /** Only events from this instant on (applied by the reader, recorded here). */
  readonly since: DateTime.Utc | undefined
}

export const noFilter: ReportFilter = { runIds: [], scenarios: [], since: undefined }

/** One run: its resources by current status. */
export interface RunSummary {
  readonly runId: string
  /** Scenario names seen in the run's events, sorted. */
  readonly scenarios: ReadonlyArray<string>
  /** Archived events of the run (a redelivered message counts each time it was archived). */
  readonly events: number
  /** Event time of the run's first and last archived event, epoch milliseconds. */
  readonly firstEventAt: number
  readonly lastEventAt: number
  /** Distinct resources the run's events name: the sum of the four below. */
  readonly created: number
  readonly deleted: number
  /** Created (or known to exist), never deleted and no deletion attempt failed. */
  readonly present: number
  /** The latest deletion attempt failed: still there. */
  readonly deletionFailed: number
  /** Still in Azure: `present` + `deletionFailed`. */
  readonly leaked: number
}

export interface ArchiveCounts {
  /** Archived messages read (after the reader's `since` bound). */
  readonly events: number
  /** Of which resource events (with a Resource) of the runs and scenarios asked for. */
  readonly resourceEvents: number
  /** Lines that were not archived messages. */
  readonly unreadable: number
}

export interface LeakReport {
  readonly filter: ReportFilter
  readonly archive: ArchiveCounts
  /** The first few unreadable lines, to look at. */
  readonly unreadableSamples: ReadonlyArray<UnreadableLine>
  readonly totals: Omit<RunSummary, "runId" | "scenarios" | "firstEventAt" | "lastEventAt"> & { readonly runs: number }
  /** Ordered by run id. */
  readonly runs: ReadonlyArray<RunSummary>
  /** Every resource still in Azure (`created`, `exists`, `deletion_failed`), ordered by run id then resource id. */
  readonly leaks: ReadonlyArray<Resource>
}

const UNREADABLE_SAMPLES = 10

interface RunAccumulator {
  readonly scenarios: Set<string>
  events: number
  firstEventAt: number
  lastEventAt: number
}

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Folds archive entries, in any order and with any duplicates, into a {@link LeakReport}. */
export interface LeakReportBuilder {
  readonly add: (entry: ArchiveEntry) => void
  readonly result: () => LeakReport
}

export const makeBuilder = (filter: ReportFilter = noFilter): LeakReportBuilder => {
  const runFilter = filter.runIds.length === 0 ? undefined : new Set(filter.runIds)
  const scenarioFilter = filter.scenarios.length === 0 ? undefined : new Set(filter.scenarios)
  const ledger = ResourceLedger.makeMutable()
  const runs = new Map<string, RunAccumulator>()
  const unreadableSamples: Array<UnreadableLine> = []
  let events = 0
  let resourceEvents = 0
  let unreadable = 0

  const noteRun = (runId: string, scenario: string | undefined, at: number) => {
    let run = runs.get(runId)
    if (run === undefined) {
      run = { scenarios: new Set(), events: 0, firstEventAt: at, lastEventAt: at }
      runs.set(runId, run)
    }
    run.events++
    if (at < run.firstEventAt) run.firstEventAt = at
    if (at > run.lastEventAt) run.lastEventAt = at
    if (scenario !== undefined) run.scenarios.add(scenario)
  }

  const wanted = (runId: string, scenario: string | undefined) =>
    (runFilter === undefined || runFilter.has(runId)) &&
    (scenarioFilter === undefined || (scenario !== undefined && scenarioFilter.has(scenario)))

  const add = (entry: ArchiveEntry) => {
    if (entry._tag === "UnreadableLine") {
      unreadable++
      if (unreadableSamples.length < UNREADABLE_SAMPLES) unreadableSamples.push(entry)
      return
    }
    events++
    const resource = entry.resource
    // Log events name their run and scenario too; they place a run in time even when it created nothing.
    const runId = resource?.runId ?? (typeof entry.event.run_id === "string" ? entry.event.run_id : undefined)
    const scenario =
      resource?.scenarioName ?? (typeof entry.event.scenario_name === "string" ? entry.event.scenario_name : undefined)
    // Every resource event reaches the ledger, whatever the filter: a later run's deletion ends the resource.
    if (resource !== undefined) ledger.add(resource)
    if (runId === undefined || !wanted(runId, scenario)) return
    noteRun(runId, scenario, entry.eventTime)
    if (resource !== undefined) resourceEvents++
  }

  const result = (): LeakReport => {
    const counts = new Map<string, { created: number; deleted: number; present: number; deletionFailed: number }>()
    const countsOf = (runId: string) => {
      let c = counts.get(runId)
      if (c === undefined) {
        c = { created: 0, deleted: 0, present: 0, deletionFailed: 0 }
        counts.set(runId, c)
      }
      return c
    }
    for (const tombstone of ledger.deleted()) {
      if (!wanted(tombstone.runId, tombstone.scenarioName)) continue
      const c = countsOf(tombstone.runId)
      c.created++
      c.deleted++
    }
    const leaks: Array<Resource> = []
    for (const resource of ledger.live()) {
      if (!wanted(resource.runId, resource.scenarioName)) continue
      const c = countsOf(resource.runId)
      c.created++
      if (resource.status === "deletion_failed") c.deletionFailed++
      else c.present++
      leaks.push(resource)
    }
    leaks.sort(
      (a, b) =>
        compareStrings(a.runId, b.runId) ||
        compareStrings(a.resourceId.toLowerCase(), b.resourceId.toLowerCase()) ||
        compareStrings(a.resourceId, b.resourceId),
    )
    const summaries = [...runs]
      .sort(([a], [b]) => compareStrings(a, b))
      .map(([runId, run]): RunSummary => {
        const c = counts.get(runId) ?? { created: 0, deleted: 0, present: 0, deletionFailed: 0 }
        return {
          runId,
          scenarios: [...run.scenarios].sort(compareStrings),
          events: run.events,
          firstEventAt: run.firstEventAt,
          lastEventAt: run.lastEventAt,
          ...c,
          leaked: c.present + c.deletionFailed,
        }
      })
    const sum = (pick: (run: RunSummary) => number) => summaries.reduce((total, run) => total + pick(run), 0)
    return {
      filter,
      archive: { events, resourceEvents, unreadable },
      unreadableSamples,
      totals: {
        runs: summaries.length,
        events: sum((run) => run.events),
        created: sum((run) => run.created),
        deleted: sum((run) => run.deleted),
        present: sum((run) => run.present),
        deletionFailed: sum((run) => run.deletionFailed),
        leaked: sum((run) => run.leaked),
      },
      runs: summaries,
      leaks,
    }
  }

  return { add, result }
}
