import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { BlobArchiveSink, FileArchiveSink } from "@haymaker/adapters-sinks"
import { encodeResource, parseResourceEvents, ResourceLedger } from "@haymaker/domain"
import { type AzuritePeer, startAzurite } from "@haymaker/local-stack"
import { DateTime, Effect, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { ArchiveSource } from "../src/config/ArchiveSource.ts"
import { generateRunEvents } from "../src/demo/generateEvents.ts"
import { archiveReaderLayer } from "../src/report/archiveReaderLayer.ts"
import { buildReport, parseSince, type ReportRequest } from "../src/report/buildReport.ts"
import type { LeakReportDocument } from "../src/report/ReportDocument.ts"
import { reportTable } from "../src/report/reportTable.ts"
import { archiveAll, sinkRecordsOf } from "./support/archiveFixture.ts"
import { runCli } from "./support/cli.ts"

const events = generateRunEvents(1_500, 4)
const records = sinkRecordsOf(events)
// A redelivery: the first 20 messages archived again in a later batch (a second copy in the batched layout).
const archived = [...records, ...records.slice(0, 20)]

/** What the report must say, computed with the persistent ledger straight from the published events. */
const ledger = ResourceLedger.fromResources(parseResourceEvents(events))
const expectedRuns = ResourceLedger.reports(ledger).map((run) => ({
  run_id: run.runId,
  created: run.present.length + run.deleted.length + run.deletionFailed.length,
  deleted: run.deleted.length,
  present: run.present.length,
  deletion_failed: run.deletionFailed.length,
  leaked: run.present.length + run.deletionFailed.length,
}))
const expectedLeaks = ResourceLedger.reports(ledger).flatMap((run) =>
  [...run.present, ...run.deletionFailed.map((failure) => failure.resource)]
    .map(encodeResource)
    .sort((a, b) => (a.resource_id < b.resource_id ? -1 : 1)),
)

const counts = (report: LeakReportDocument) =>
  report.runs.map(({ run_id, created, deleted, present, deletion_failed, leaked }) => ({
    run_id,
    created,
    deleted,
    present,
    deletion_failed,
    leaked,
  }))

describe("haymaker-worker report", () => {
  let root: string
  let azurite: AzuritePeer
  const batched = () => join(root, "batched")
  const filesystem = (directory: string) => ({ HAYMAKER_SINKS: "filesystem", HAYMAKER_LOCAL_SINK_DIR: directory })
  /** The report as the command builds it, in this process (the command itself is run as a process below). */
  const reportOf = (source: ArchiveSource, request: Partial<ReportRequest> = {}) =>
    Effect.runPromise(
      buildReport({ runs: [], scenarios: [], since: undefined, resource: undefined, ...request }).pipe(
        Effect.provide(archiveReaderLayer(source)),
      ),
    )
  const leakReport = async (source: ArchiveSource, request: Partial<ReportRequest> = {}) => {
    const document = await reportOf(source, request)
    if (document.report !== "leaks") throw new Error("expected a leak report")
    return document
  }
  const folder = (directory: string): ArchiveSource => ({ _tag: "Filesystem", directory, prefix: undefined })

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "haymaker-report-"))
    azurite = await startAzurite()
    await Promise.all([
      Effect.runPromise(archiveAll(archived).pipe(Effect.provide(FileArchiveSink.layer({ directory: batched() })))),
      Effect.runPromise(
        archiveAll(archived).pipe(
          Effect.provide(FileArchiveSink.layer({ directory: join(root, "per-event"), layout: "perEvent" })),
        ),
      ),
      Effect.runPromise(
        archiveAll(archived).pipe(
          Effect.provide(
            BlobArchiveSink.layer({ connectionString: Redacted.make(azurite.connectionString), container: "reports" }),
          ),
        ),
      ),
      // The one-blob-per-message layout, under a prefix of its own, for the command to find through its settings.
      Effect.runPromise(
        archiveAll(archived).pipe(
          Effect.provide(
            BlobArchiveSink.layer({
              connectionString: Redacted.make(azurite.connectionString),
              container: "reports-partitioned",
              layout: "partitioned",
              prefix: "haymaker/events",
            }),
          ),
        ),
      ),
    ])
  }, 120_000)
  afterAll(() => Promise.all([azurite?.close(), rm(root, { recursive: true, force: true })]))

  it("per run: created, deleted, still present, deletion failed; every leak with its attempts and last error", async () => {
    const report = await leakReport(folder(batched()))
    expect(counts(report)).toEqual(expectedRuns)
    expect(report.leaks).toEqual(expectedLeaks)
    expect(report.leaks.some((leak) => leak.status === "deletion_failed" && leak.deletion_attempts === 3)).toBe(true)
    expect(report.archive).toMatchObject({ events: archived.length, unreadable: 0 })
    expect(report.totals.leaked).toBe(expectedLeaks.length)
  })

  it("reads the perEvent layout and the Blob archive (whichever the configuration names) to the same report", async () => {
    const reference = await leakReport(folder(batched()))
    const perEvent = await leakReport(folder(join(root, "per-event")))
    const blob = await leakReport({
      _tag: "Blob",
      options: { connectionString: Redacted.make(azurite.connectionString), container: "reports" },
    })
    expect(blob).toEqual({
      ...reference,
      generated_at: blob.generated_at,
      archive: { ...reference.archive, source: blob.archive.source },
    })
    // The batched layout keeps the redelivered copies; the per-message layout keeps one file per message: only the
    // event counts differ.
    expect(perEvent.archive.events).toBe(records.length)
    expect(counts(perEvent)).toEqual(counts(reference))
    expect(perEvent.leaks).toEqual(reference.leaks)
    expect(blob.archive.source).toBe(`Blob container reports at ${azurite.blobEndpoint}/reports, prefix events`)
    expect(JSON.stringify(blob)).not.toContain(azurite.accountKey)
  })

  it("filters by run, scenario and time", async () => {
    const [first, second] = expectedRuns
    const byRun = await leakReport(folder(batched()), { runs: [first?.run_id ?? "", second?.run_id ?? ""] })
    expect(counts(byRun)).toEqual([first, second])
    expect(byRun.leaks).toEqual(expectedLeaks.filter((l) => l.run_id === first?.run_id || l.run_id === second?.run_id))

    const byScenario = await leakReport(folder(batched()), { scenarios: ["scenario-2"] })
    expect(byScenario.runs.map((run) => run.scenarios)).toEqual([["scenario-2"]])

    // From the middle of the third run on: earlier runs vanish, the third is cut.
    const third = events.filter((event) => event.run_id === expectedRuns[2]?.run_id)
    const middle = String(third[Math.floor(third.length / 2)]?.timestamp)
    const since = await leakReport(folder(batched()), { since: DateTime.makeUnsafe(middle) })
    expect(since.filter.since).toBe(new Date(middle).toISOString())
    expect(since.runs.map((run) => run.run_id)).toEqual(expectedRuns.slice(2).map((run) => run.run_id))
    expect(since.runs[0]?.first_event_at).toBe(new Date(middle).toISOString())
    expect(since.archive.events).toBe(events.filter((event) => String(event.timestamp) >= middle).length)
  })

  it("as a command: the JSON report of the archive the environment names, with its filters", async () => {
    const [first, second] = expectedRuns
    const runs = [first?.run_id ?? "", second?.run_id ?? ""]
    const result = await runCli(
      ["report", "--format", "json", "--run", runs[0] ?? "", "--run", runs[1] ?? "", "--since", "2026-11-26T08:00:00Z"],
      filesystem(batched()),
    )
    expect(result).toMatchObject({ code: 0, stderr: "" })
    const printed = JSON.parse(result.stdout) as LeakReportDocument
    const expected = await leakReport(folder(batched()), { runs, since: DateTime.makeUnsafe("2026-11-26T08:00:00Z") })
    expect(printed).toEqual({ ...expected, generated_at: printed.generated_at })
    expect(counts(printed)).toEqual([first, second])
  })

  it("as a command: reads the Blob archive its HAYMAKER_ARCHIVE_* settings name (partitioned layout, a prefix)", async () => {
    const result = await runCli(["report", "--format", "json"], {
      HAYMAKER_ARCHIVE_CONNECTION_STRING: azurite.connectionString,
      HAYMAKER_ARCHIVE_CONTAINER: "reports-partitioned",
      HAYMAKER_ARCHIVE_PREFIX: "haymaker/events",
    })
    expect(result).toMatchObject({ code: 0, stderr: "" })
    const printed = JSON.parse(result.stdout) as LeakReportDocument
    // One blob per message: a redelivered copy replaces the first, so every message is read once.
    expect(printed.archive).toMatchObject({
      source: `Blob container reports-partitioned at ${azurite.blobEndpoint}/reports-partitioned, prefix haymaker/events`,
      events: records.length,
      unreadable: 0,
    })
    expect(counts(printed)).toEqual(expectedRuns)
    expect(printed.leaks).toEqual(expectedLeaks)
    expect(result.stdout).not.toContain(azurite.accountKey)
  })

  it("as a command: --format table with --scenario and a --since duration", async () => {
    // The archive's events are from 2026-11-26: 5200 weeks back from now reaches before them.
    const result = await runCli(
      ["report", "--format", "table", "--scenario", "scenario-2", "--since", "5200w"],
      filesystem(batched()),
    )
    expect(result).toMatchObject({ code: 0, stderr: "" })
    const secondScenario = events.filter((event) => event.scenario_name === "scenario-2")
    const runIds = new Set(secondScenario.map((event) => String(event.run_id)))
    const lines = result.stdout.split("\n")
    for (const run of expectedRuns) {
      const line = lines.find((l) => l.startsWith(`${run.run_id} `))
      if (runIds.has(run.run_id ?? "")) {
        expect(line?.split(/\s{2,}/).slice(-5)).toEqual(
          [run.created, run.deleted, run.present, run.deletion_failed, run.leaked].map(String),
        )
      } else expect(line).toBeUndefined()
    }
    expect(runIds.size).toBe(1)
  })

  it("prints a table: the runs, a total line, and the resources still in Azure", async () => {
    const result = await runCli(["report"], filesystem(batched()))
    expect(result.code).toBe(0)
    const lines = result.stdout.split("\n")
    for (const run of expectedRuns) {
      expect(
        lines
          .find((line) => line.startsWith(`${run.run_id} `))
          ?.split(/\s{2,}/)
          .slice(-5),
      ).toEqual([run.created, run.deleted, run.present, run.deletion_failed, run.leaked].map(String))
    }
    expect(lines.find((line) => line.startsWith("total"))).toMatch(new RegExp(`\\b${expectedLeaks.length}$`))
    expect(result.stdout).toContain(`Still in Azure (${expectedLeaks.length} resources`)
    expect(result.stdout).toContain("Resource is locked or has active dependencies")
  })

  it("tells one resource's history: every event naming it once, in time order, and its state", async () => {
    const failed = expectedLeaks.find((leak) => leak.status === "deletion_failed")
    const resourceId = failed?.resource_id ?? ""
    const [result, table] = await Promise.all([
      runCli(["report", "--resource", resourceId.toUpperCase(), "--format", "json"], filesystem(batched())),
      runCli(["report", "--resource", resourceId], filesystem(batched())),
    ])
    expect(result.code).toBe(0)
    const history = JSON.parse(result.stdout)
    expect(history.state).toEqual(failed)
    const own = events.filter((event) => event.resource_id === resourceId)
    expect(history.events.map((e: { event_type: string; at: string }) => [e.event_type, e.at])).toEqual(
      own.map((event) => [event.event_type, event.timestamp]),
    )
    // The table: the state with its attempts and last error, then one line per event in the same order.
    expect(table).toMatchObject({ code: 0, stderr: "" })
    expect(table.stdout).toContain(
      `State: deletion_failed (run ${failed?.run_id}, scenario ${failed?.scenario_name}, created ${failed?.created_at}, 3 deletion attempts, last error: Resource is locked or has active dependencies)`,
    )
    const eventLines = table.stdout.split("\n").filter((line) => /^\d{4}-\d\d-\d\dT/.test(line))
    expect(eventLines.map((line) => line.split(/\s{2,}/).slice(0, 2))).toEqual(
      own.map((event) => [event.timestamp, event.event_type]),
    )
  })

  it("reports unreadable lines by place and reads the rest", async () => {
    const directory = join(root, "damaged")
    await Effect.runPromise(
      archiveAll(records.slice(0, 100)).pipe(Effect.provide(FileArchiveSink.layer({ directory }))),
    )
    const hour = join(directory, "archive/events/y=2026/m=11/d=26/h=08")
    await mkdir(hour, { recursive: true })
    await writeFile(join(hour, "torn.jsonl"), `${JSON.stringify({ event: events[0] }).slice(0, 40)}\n`)
    const report = await leakReport(folder(directory))
    expect(report.archive).toMatchObject({ events: 100, unreadable: 1 })
    expect(report.archive.unreadable_samples).toEqual([
      { location: "events/y=2026/m=11/d=26/h=08/torn.jsonl:1", problem: expect.stringMatching(/^not JSON/) },
    ])
    expect(reportTable(report)).toContain("events/y=2026/m=11/d=26/h=08/torn.jsonl:1: not JSON")
  })

  it("writes the report to --output and says so on standard error", async () => {
    const path = join(root, "out", "report.json")
    await mkdir(join(root, "out"))
    const result = await runCli(["report", "--format", "json", "--output", path], filesystem(batched()))
    expect(result).toMatchObject({ code: 0, stdout: "" })
    expect(result.stderr).toMatch(new RegExp(`^wrote ${path}: ${expectedRuns.length} run\\(s\\)`))
    expect(counts(JSON.parse(await readFile(path, "utf8")))).toEqual(expectedRuns)
  })

  it("names the fix when no archive is configured", async () => {
    const unconfigured = await runCli(["report"], {})
    expect(unconfigured.code).toBe(2)
    expect(unconfigured.stderr).toContain("HAYMAKER_ARCHIVE_CONNECTION_STRING or HAYMAKER_ARCHIVE_ACCOUNT_URL")
    expect(unconfigured.stderr).toContain("HAYMAKER_SINKS=filesystem")
  })

  it("says in one line where it looked when there is no archive", async () => {
    const missing = await runCli(["report"], filesystem(join(root, "nothing")))
    expect(missing.code).toBe(1)
    expect(missing.stderr.trim()).toBe(
      `Archive: no archive at ${join(root, "nothing")}/archive/events (the filesystem sinks write it under HAYMAKER_LOCAL_SINK_DIR/archive)`,
    )
  })

  it("refuses a --since it cannot read", async () => {
    const badSince = await runCli(["report", "--since", "last tuesday"], filesystem(batched()))
    expect(badSince.code).toBe(2)
    expect(badSince.stderr).toContain('--since "last tuesday": expected an ISO-8601 date')
  })
})

describe("parseSince", () => {
  const now = DateTime.makeUnsafe("2024-11-14T12:00:00Z")
  it("reads ISO-8601 instants (UTC without offset) and durations back from now", () => {
    expect(parseSince("2024-11-01", now)).toEqual(DateTime.makeUnsafe("2024-11-01T00:00:00Z"))
    expect(parseSince("2024-11-01T10:00:00+02:00", now)).toEqual(DateTime.makeUnsafe("2024-11-01T08:00:00Z"))
    expect(parseSince("90m", now)).toEqual(DateTime.makeUnsafe("2024-11-14T10:30:00Z"))
    expect(parseSince("24h", now)).toEqual(DateTime.makeUnsafe("2024-11-13T12:00:00Z"))
    expect(parseSince("7d", now)).toEqual(DateTime.makeUnsafe("2024-11-07T12:00:00Z"))
    expect(parseSince("2w", now)).toEqual(DateTime.makeUnsafe("2024-10-31T12:00:00Z"))
    expect(parseSince("yesterday", now)).toBeUndefined()
  })
})
