/**
 * The leak report over a large archive: events/s and peak RSS of the report's read-and-fold path against a baseline
 * that reads the same archive in the same order and only splits and JSON.parse's each line. Both run in fresh
 * processes with the worker's Node flags (a 256 MB old generation: an archive of a million events is about a
 * gigabyte of JSON, so finishing at all shows the report streams), alternating which goes first in each round; the
 * tables give medians and the median of the per-round ratios. Not a test: `./dev bench` (`--write` records the table
 * in BENCHMARKS.md).
 *
 *   node bench/report.bench.ts [--events 1000000] [--rounds 5] [--no-blob] [--dir <cache folder>]
 *
 * The archive is written once, by the real filesystem archive sink (batched layout, batches of 500), from generated
 * runs of 5,000 events shaped like HayMaker's (creations, operations, deletions, a deletion in seven failing), and
 * kept in `--dir` (default: the OS temp folder) for later runs. With Blob (the default) the same objects are uploaded
 * to Azurite under the same names, and both sides read them through `@azure/storage-blob`. Two more reports of the
 * filesystem archive: `--since` its last quarter (the objects before it are not opened), and `--run` one run of the
 * whole of it (every event is still read and folded, since a later run may delete a run's resources; one run's rows
 * and leaks are reported).
 */
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { readdir, readFile, rm, writeFile } from "node:fs/promises"
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os"
import { join, relative, sep } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { BlobServiceClient } from "@azure/storage-blob"
import { FileArchiveSink } from "@haymaker/adapters-sinks"
import { startAzurite } from "@haymaker/local-stack"
import { Effect } from "effect"
import { benchArguments, recordMeasurement, writeRequested } from "../../../scripts/benchmarks.ts"
import { generateRunEvents } from "../src/demo/generateEvents.ts"
import { workerNodeFlags } from "../src/nodeFlags.ts"
import { archiveAll, sinkRecordsOf } from "../test/support/archiveFixture.ts"

const { values } = parseArgs({
  args: benchArguments(),
  options: {
    events: { type: "string" },
    rounds: { type: "string" },
    "no-blob": { type: "boolean" },
    dir: { type: "string" },
  },
})
const EVENTS = Number(values.events ?? 1_000_000)
const ROUNDS = Number(values.rounds ?? 5)
const RUN_EVENTS = 5_000
const START = Date.UTC(2026, 0, 1)
const ARCHIVE_VERSION = "report-bench-1"
const folder = join(values.dir ?? tmpdir(), `haymaker-report-bench-${EVENTS}`)
/** Where `--write` records the table in BENCHMARKS.md (a subsection written by hand, with what the numbers mean). */
const SUBSECTION = "### The leak report (`haymaker-worker report`)"
const child = fileURLToPath(new URL("./reportChild.ts", import.meta.url))

const median = (xs: ReadonlyArray<number>) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

interface Measured {
  readonly events: number
  readonly ms: number
  readonly cpuMs: number
  readonly maxRssMb: number
  readonly runs?: number
  readonly leaked?: number
  readonly deleted?: number
}

/** One measurement in a fresh process; `filter` is the report's `--since` and `--run`. */
const measure = (
  mode: "raw" | "report",
  where: string,
  filter: { readonly since?: string; readonly run?: string } = {},
): Promise<Measured> =>
  new Promise((resolve, reject) => {
    const args = [child, mode, where, filter.since ?? "", ...(filter.run === undefined ? [] : [filter.run])]
    const process_ = spawn(process.execPath, [...workerNodeFlags, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    })
    let out = ""
    process_.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8")
    })
    process_.once("error", reject)
    process_.once("exit", (code) =>
      code === 0 ? resolve(JSON.parse(out) as Measured) : reject(new Error(`${mode} over ${where} exited ${code}`)),
    )
  })

/** Writes the archive through the filesystem archive sink, a run at a time, unless an earlier bench left it. */
const prepareArchive = async () => {
  const marker = join(folder, "bench.json")
  if (existsSync(marker) && JSON.parse(await readFile(marker, "utf8")).version === ARCHIVE_VERSION) return
  await rm(folder, { recursive: true, force: true })
  const started = performance.now()
  const runs = Math.ceil(EVENTS / RUN_EVENTS)
  await Effect.runPromise(
    Effect.gen(function* () {
      for (let run = 0; run < runs; run++) {
        const count = Math.min(RUN_EVENTS, EVENTS - run * RUN_EVENTS)
        const events = generateRunEvents(count, 1, START + run * RUN_EVENTS * 1_000, run + 1)
        yield* archiveAll(sinkRecordsOf(events, run * RUN_EVENTS))
      }
    }).pipe(Effect.provide(FileArchiveSink.layer({ directory: folder }))),
  )
  await writeFile(marker, JSON.stringify({ version: ARCHIVE_VERSION, events: EVENTS }))
  console.log(
    `wrote ${EVENTS.toLocaleString("en-US")} events to ${folder} in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  )
}

async function* filesUnder(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) yield* filesUnder(join(dir, entry.name))
    else yield join(dir, entry.name)
  }
}

/** Uploads the filesystem archive's objects to Azurite under the same names (the Blob archive sink's names). */
const uploadToAzurite = async (connectionString: string) => {
  const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient("haymaker-events")
  await container.createIfNotExists()
  const root = join(folder, "archive")
  const names: Array<string> = []
  for await (const path of filesUnder(root)) names.push(path)
  let next = 0
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < names.length) {
        const path = names[next++] as string
        await container.getBlockBlobClient(relative(root, path).split(sep).join("/")).uploadFile(path)
      }
    }),
  )
  return names.length
}

interface Row {
  readonly what: string
  readonly raw: Array<Measured>
  readonly report: Array<Measured>
}

const compare = async (what: string, where: string): Promise<Row> => {
  const row: Row = { what, raw: [], report: [] }
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? (["raw", "report"] as const) : (["report", "raw"] as const)
    for (const mode of order) row[mode].push(await measure(mode, where))
    const [raw, report] = [row.raw.at(-1), row.report.at(-1)]
    console.log(
      `${what} round ${round + 1}: raw ${rate(raw)} events/s (${cpuRate(raw)} per main-thread CPU s), report ${rate(report)} events/s (${cpuRate(report)} per main-thread CPU s), ${report?.maxRssMb.toFixed(0)} MB`,
    )
  }
  return row
}

/** Events per second of wall time. */
const rate = (m: Measured | undefined) => (m === undefined ? 0 : Math.round(m.events / (m.ms / 1000)))
/**
 * Events per second of the main thread's CPU time: the rate on a core of its own (reading and GC helper threads run
 * beside it), which the machine's other load does not change.
 */
const cpuRate = (m: Measured | undefined) => (m === undefined ? 0 : Math.round(m.events / (m.cpuMs / 1000)))
const fmt = (n: number) => Math.round(n).toLocaleString("en-US")

const main = async () => {
  await prepareArchive()
  const rows: Array<Row> = [await compare("filesystem (`HAYMAKER_SINKS=filesystem`)", folder)]
  // The last quarter of the same archive, through --since: the objects before it are not even opened.
  const quarter = new Date(START + Math.floor(EVENTS * 0.75) * 1_000).toISOString()
  const partial = await measure("report", folder, { since: quarter })
  // One run of the whole archive (`--run`): every event is still read and folded into the ledger (a later run may
  // delete what this one left), only that run's rows and leaks are reported.
  const oneRunId = `run-demo-${Math.ceil(Math.ceil(EVENTS / RUN_EVENTS) / 2)}`
  const oneRun = await measure("report", folder, { run: oneRunId })
  if (values["no-blob"] !== true) {
    const azurite = await startAzurite()
    try {
      const started = performance.now()
      const blobs = await uploadToAzurite(azurite.connectionString)
      console.log(`uploaded ${blobs} blobs to Azurite in ${((performance.now() - started) / 1000).toFixed(0)} s`)
      rows.push(await compare("Blob Storage (Azurite, `HAYMAKER_ARCHIVE_CONNECTION_STRING`)", azurite.connectionString))
    } finally {
      await azurite.close()
    }
  }
  const sample = rows[0]?.report[0]
  const table = [
    "",
    `Machine: ${availableParallelism()} cores (${cpus()[0]?.model.trim()}), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, load average ${loadavg()[0]?.toFixed(1)} at the end.`,
    `Archive: ${fmt(EVENTS)} events (${fmt(sample?.runs ?? 0)} runs; at the end ${fmt(sample?.deleted ?? 0)} resources deleted, ${fmt(sample?.leaked ?? 0)} still present or failed), batched layout. Medians of ${ROUNDS} rounds; both sides with \`${workerNodeFlags.join(" ")}\`.`,
    "",
    "| archive | raw read + JSON.parse (events/s) | report (events/s) | report / raw | raw (events per main-thread CPU s) | report (events per main-thread CPU s) | report / raw, CPU | report peak RSS | raw peak RSS |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map((row) => {
      const ratios = row.report.map((m, i) => rate(m) / rate(row.raw[i]))
      const cpuRatios = row.report.map((m, i) => cpuRate(m) / cpuRate(row.raw[i]))
      return `| ${row.what} | ${fmt(median(row.raw.map(rate)))} | ${fmt(median(row.report.map(rate)))} | ${(median(ratios) * 100).toFixed(0)}% | ${fmt(median(row.raw.map(cpuRate)))} | ${fmt(median(row.report.map(cpuRate)))} | ${(median(cpuRatios) * 100).toFixed(0)}% | ${median(row.report.map((m) => m.maxRssMb)).toFixed(0)} MB | ${median(row.raw.map((m) => m.maxRssMb)).toFixed(0)} MB |`
    }),
    "",
    `Per round (report / raw): ${rows.map((row) => `${row.what.split(" ")[0]} ${row.report.map((m, i) => `${((rate(m) / rate(row.raw[i])) * 100).toFixed(0)}%`).join(", ")}`).join("; ")}.`,
    `The last quarter only (\`--since ${quarter}\`, filesystem): ${fmt(partial.events)} events at ${fmt(rate(partial))} events/s (${fmt(cpuRate(partial))} per main-thread CPU s), peak RSS ${partial.maxRssMb.toFixed(0)} MB.`,
    `One run of the whole archive (\`--run ${oneRunId}\`, filesystem): ${fmt(oneRun.events)} events read and folded at ${fmt(rate(oneRun))} events/s (${fmt(cpuRate(oneRun))} per main-thread CPU s), ${fmt((oneRun.deleted ?? 0) + (oneRun.leaked ?? 0))} of its resources reported (the full report: ${fmt((sample?.deleted ?? 0) + (sample?.leaked ?? 0))}), peak RSS ${oneRun.maxRssMb.toFixed(0)} MB.`,
  ].join("\n")
  console.log(table)
  if (writeRequested()) {
    recordMeasurement({
      id: "app-worker/report",
      section: "## @haymaker/app-worker",
      subsection: SUBSECTION,
      text: table,
    })
  }
}

await main()
