// One measurement of the report bench, in a process of its own started with the worker's Node flags:
//   node reportChild.ts <raw|report> <filesystem folder | blob connection string> [since ISO, or ""] [run id]
// `raw` is the baseline: the same objects read in the same order and chunks, every line split and JSON.parse'd,
// nothing else. `report` is the report's own path: the ArchiveReader adapter, the leak-report fold, the JSON document;
// `since` and `run` are its `--since` and `--run`.
// Prints one JSON line: events, wall and main-thread CPU milliseconds (after imports), peak RSS, and the report's
// counts.
import { createReadStream } from "node:fs"
import { readdir } from "node:fs/promises"
import { join } from "node:path"
import { PerformanceObserver } from "node:perf_hooks"
import { BlobServiceClient } from "@azure/storage-blob"
import { DateTime, Effect, Redacted } from "effect"
import { archiveReaderLayer } from "../src/report/archiveReaderLayer.ts"
import { buildReport } from "../src/report/buildReport.ts"

const [mode, where = "", sinceText, runFilter] = process.argv.slice(2)
const blob = where.includes("AccountName=")
const since = sinceText === undefined || sinceText === "" ? undefined : Date.parse(sinceText)

/** Files in name order, depth first: the order the filesystem reader uses. */
async function* files(folder: string): AsyncGenerator<string> {
  const entries = (await readdir(folder, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))
  for (const entry of entries) {
    if (entry.isDirectory()) yield* files(join(folder, entry.name))
    else yield join(folder, entry.name)
  }
}

/** Every object's chunks, in listing order, as the readers see them. */
async function* objects(): AsyncGenerator<AsyncIterable<Buffer>> {
  if (!blob) {
    for await (const path of files(join(where, "archive"))) yield createReadStream(path, { highWaterMark: 64 * 1024 })
    return
  }
  const container = BlobServiceClient.fromConnectionString(where).getContainerClient("haymaker-events")
  for await (const item of container.listBlobsFlat({ prefix: "events/" })) {
    const response = await container.getBlobClient(item.name).download(0)
    yield response.readableStreamBody as AsyncIterable<Buffer>
  }
}

const raw = async () => {
  let events = 0
  const parse = (text: string) => {
    JSON.parse(text)
    events++
  }
  for await (const chunks of objects()) {
    // The same splitting as the readers': only a line cut by a chunk's end is copied.
    let pending: Array<Buffer> = []
    for await (const chunk of chunks) {
      let start = 0
      let end = chunk.indexOf(10)
      if (end !== -1 && pending.length > 0) {
        parse(Buffer.concat([...pending, chunk.subarray(0, end)]).toString("utf8"))
        pending = []
        start = end + 1
        end = chunk.indexOf(10, start)
      }
      for (; end !== -1; end = chunk.indexOf(10, start)) {
        parse(chunk.toString("utf8", start, end))
        start = end + 1
      }
      if (start < chunk.length) pending.push(chunk.subarray(start))
    }
  }
  return { events }
}

const report = async () => {
  const source = blob
    ? ({ _tag: "Blob", options: { connectionString: Redacted.make(where) } } as const)
    : ({ _tag: "Filesystem", directory: where, prefix: undefined } as const)
  const document = await Effect.runPromise(
    buildReport({
      runs: runFilter === undefined ? [] : [runFilter],
      scenarios: [],
      since: since === undefined ? undefined : DateTime.makeUnsafe(since),
      resource: undefined,
    }).pipe(Effect.provide(archiveReaderLayer(source))),
  )
  if (document.report !== "leaks") throw new Error("expected a leak report")
  return {
    events: document.archive.events,
    runs: document.totals.runs,
    leaked: document.totals.leaked,
    deleted: document.totals.deleted,
  }
}

// Time the main thread spent in garbage collection pauses.
let gcMs = 0
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration
})
gcObserver.observe({ entryTypes: ["gc"] })
const started = performance.now()
const cpuBefore = process.threadCpuUsage()
const counts = mode === "raw" ? await raw() : await report()
const ms = performance.now() - started
// The main thread's CPU time: what the machine's other load does not change (I/O and GC helpers run beside it).
const cpu = process.threadCpuUsage(cpuBefore)
console.log(
  JSON.stringify({
    ...counts,
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    gcMs,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  }),
)
