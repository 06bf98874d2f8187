/**
 * End to end on the local stack: the worker (a separate process) drains N events from the emulator (a separate
 * process) into the sinks; in the same run, the raw SDK's peek-lock receive + complete drains N events from the same
 * emulator. Reports both rates, their ratio, and the worker's peak RSS. Not a test: `./dev bench`; `--write` records the table in BENCHMARKS.md.
 *
 * Both sides are timed in steady state: each first drains `--warmup` events untimed, then the next N are timed. The
 * baseline runs twice per round: in a fresh process started like the worker (same Node flags, see
 * `rawReceiver.ts`), the like-for-like comparison, and in this process, whose receive path gets hotter with every
 * round (an untimed drain before the first round starts it hot) and whose V8 heap is sized from the machine's memory
 * rather than limited like the worker's. The worker's rate over its whole drain, warm-up and link set-up included,
 * is reported too.
 *
 *   node bench/endToEnd.bench.ts [--events 10000] [--warmup 5000] [--rounds 3] [--peers-events 10000]
 *                                [--rows pipeline,filesystem,local]
 *
 * `HAYMAKER_WORKER_*` variables set for the bench reach the worker, and `BENCH_WORKER_NODE_FLAGS` is added to its
 * Node flags, to compare settings.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { cpus, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { ServiceBusClient } from "@azure/service-bus"
import { connectionString, toServiceBusMessage } from "@haymaker/adapters-servicebus"
import { defaultSubscriptionName, defaultTopicName } from "@haymaker/domain"
import { InMemoryArchive, InMemoryLogAnalytics } from "@haymaker/testing"
import { Deferred, Effect, Fiber, Layer } from "effect"
import { benchArguments, recordMeasurement, writeRequested } from "../../../scripts/benchmarks.ts"
import { loadWorkerConfig } from "../src/config/WorkerConfig.ts"
import { generateRunEvents } from "../src/demo/generateEvents.ts"
import { workerNodeFlags } from "../src/nodeFlags.ts"
import { runWorker } from "../src/pipeline/Worker.ts"
import { workerOptions } from "../src/serveWorker.ts"
import { subscriptionLayer } from "../src/WorkerLayers.ts"
import { receiveAndComplete } from "./receiveAndComplete.ts"

const { values } = parseArgs({
  args: benchArguments(),
  options: {
    events: { type: "string" },
    warmup: { type: "string" },
    rounds: { type: "string" },
    "peers-events": { type: "string" },
    rows: { type: "string" },
  },
})
const workerSettings = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => name.startsWith("HAYMAKER_WORKER_")),
) as Record<string, string>
const rows = new Set((values.rows ?? "pipeline,filesystem,local").split(","))
const events = Number(values.events ?? 10_000)
const warmup = Number(values.warmup ?? 5_000)
const rounds = Number(values.rounds ?? 3)
const peersEvents = Number(values["peers-events"] ?? events)
const topic = defaultTopicName
const subscription = defaultSubscriptionName
const emulatorCli = fileURLToPath(import.meta.resolve("@haymaker/servicebus-emulator")).replace(/index\.ts$/, "cli.ts")
const workerBin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))
const rawReceiverScript = fileURLToPath(new URL("./rawReceiver.ts", import.meta.url))

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const median = (xs: ReadonlyArray<number>) => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

const lines = (child: ChildProcess, onLine: (line: string) => void) => {
  let buffer = ""
  const feed = (chunk: Buffer) => {
    buffer += chunk.toString("utf8")
    for (let i = buffer.indexOf("\n"); i >= 0; i = buffer.indexOf("\n")) {
      onLine(buffer.slice(0, i))
      buffer = buffer.slice(i + 1)
    }
  }
  child.stdout?.on("data", feed)
  child.stderr?.on("data", feed)
}

const stop = async (child: ChildProcess) => {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once("exit", resolve))
  child.kill("SIGTERM")
  await Promise.race([exited, sleep(20_000).then(() => child.kill("SIGKILL"))])
}

const startEmulator = async () => {
  const child = spawn(process.execPath, [emulatorCli, "--port", "0", "--http-port", "0", "--log-level", "error"], {
    stdio: ["ignore", "pipe", "pipe"],
  })
  const connectionString = await new Promise<string>((resolve, reject) => {
    lines(child, (line) => {
      if (line.includes('"ready"')) resolve((JSON.parse(line) as { connectionString: string }).connectionString)
    })
    child.once("exit", (code) => reject(new Error(`emulator exited with ${code}`)))
  })
  return { child, connectionString }
}

const publish = async (client: ServiceBusClient, count: number) => {
  const sender = client.createSender(topic)
  const messages = generateRunEvents(count).map((event) => toServiceBusMessage(event))
  for (let i = 0; i < messages.length; i += 250) await sender.sendMessages(messages.slice(i, i + 250))
  await sender.close()
}

/** The baseline in this process, whose receive path gets hotter with every round. */
const rawInProcess = (client: ServiceBusClient, count: number) =>
  receiveAndComplete(client, topic, subscription, warmup, count)

/** The baseline as the worker runs: a fresh process with the worker's Node flags. */
const rawInChildProcess = async (connectionString: string, count: number): Promise<number> => {
  const child = spawn(
    process.execPath,
    [...workerNodeFlags, rawReceiverScript, connectionString, topic, subscription, String(warmup), String(count)],
    { stdio: ["ignore", "pipe", "inherit"] },
  )
  let output = ""
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8")
  })
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve))
  if (code !== 0) throw new Error(`raw receiver exited with ${code}: ${output}`)
  return (JSON.parse(output.trim().split("\n").at(-1) ?? "{}") as { rate: number }).rate
}

const metric = async (url: string, name: string): Promise<number> => {
  const text = await (await fetch(`${url}/metrics`)).text()
  const line = text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
  return line === undefined ? 0 : Number(line.split(" ").at(-1))
}

const peakRssMb = async (pid: number): Promise<number> => {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "")
  const match = /VmHWM:\s+(\d+) kB/.exec(status)
  return match === null ? Number.NaN : Number(match[1]) / 1024
}

/** The worker as deployed: its own process, reading the emulator, writing the chosen sinks. */
const workerDrain = async (connectionString: string, count: number, sinks: "filesystem" | "local") => {
  const sinkDir = await mkdtemp(join(tmpdir(), "haymaker-bench-"))
  // Run as deployed: with the V8 heap limits of the bin and the package scripts.
  const extraFlags = (process.env.BENCH_WORKER_NODE_FLAGS ?? "").split(" ").filter((flag) => flag !== "")
  const child = spawn(process.execPath, [...workerNodeFlags, ...extraFlags, workerBin, "run"], {
    env: {
      PATH: process.env.PATH ?? "",
      HAYMAKER_SERVICEBUS_CONNECTION_STRING: connectionString,
      HAYMAKER_SINKS: sinks,
      HAYMAKER_LOCAL_SINK_DIR: sinkDir,
      HAYMAKER_HTTP_PORT: "0",
      HAYMAKER_HTTP_HOST: "127.0.0.1",
      HAYMAKER_LOG_LEVEL: "Info",
      ...workerSettings,
    },
    stdio: ["ignore", "pipe", "pipe"],
  })
  let url: string | undefined
  lines(child, (line) => {
    const match = /metrics and probes on (http:\/\/[^/]+)\/metrics/.exec(line)
    if (match !== null) url = match[1]
  })
  try {
    while (url === undefined) {
      if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}`)
      await sleep(20)
    }
    while (
      (await fetch(`${url}/readyz`).then(
        (r) => r.status,
        () => 0,
      )) !== 200
    )
      await sleep(20)
    const ready = performance.now()
    // Samples of the completed count; the rate is taken between the first sample past the warm-up and the first at
    // the end, with the counts actually reached, so the polling interval (kept long: each scrape costs the worker CPU) costs at most one interval at the end.
    let from: { at: number; completed: number } | undefined
    let completed = 0
    while (completed < warmup + count) {
      await sleep(100)
      completed = await metric(url, "haymaker_messages_completed_total")
      if (from === undefined && completed >= warmup) from = { at: performance.now(), completed }
    }
    const end = performance.now()
    const steady = from === undefined ? ready : from.at
    return {
      rate: ((completed - (from?.completed ?? 0)) / (end - steady)) * 1000,
      wholeDrainRate: (completed / (end - ready)) * 1000,
      peakRssMb: await peakRssMb(child.pid ?? 0),
    }
  } finally {
    await stop(child)
    await rm(sinkDir, { recursive: true, force: true })
  }
}

/**
 * The worker's own cost: its pipeline (subscription adapter, decoding, micro-batches, settlement) in this process
 * with in-memory sinks, so no sink I/O is measured; same process as the raw baseline, default settings.
 */
const pipelineDrain = (serviceBus: string, count: number) =>
  Effect.gen(function* () {
    const config = yield* loadWorkerConfig(workerSettings)
    const stop = yield* Deferred.make<void>()
    let settled = 0
    // Batches settle about 100 messages at a time: the clock starts at the batch that completes the warm-up, and
    // counts what was settled after it.
    let started = performance.now()
    let from = 0
    const worker = yield* runWorker(workerOptions(config), stop, (outcome) =>
      Effect.sync(() => {
        const before = settled
        settled += outcome.completed
        if (before < warmup && settled >= warmup) {
          started = performance.now()
          from = settled
        }
      }),
    ).pipe(
      Effect.provide(
        Layer.mergeAll(
          InMemoryLogAnalytics.layer,
          InMemoryArchive.layer,
          subscriptionLayer(config, connectionString(serviceBus)),
        ),
      ),
      Effect.forkChild,
    )
    while (settled < warmup + count) yield* Effect.sleep(5)
    const rate = ((settled - from) / (performance.now() - started)) * 1000
    yield* Deferred.succeed(stop, undefined)
    yield* Fiber.join(worker)
    return { rate, wholeDrainRate: Number.NaN, peakRssMb: Number.NaN }
  }).pipe(Effect.runPromise)

type Drain = (connectionString: string, count: number) => Promise<Omit<Result, "raw" | "rawFresh">>

interface Result {
  /** The raw SDK in this (hot) process. */
  readonly raw: number
  /** The raw SDK in a fresh process with the worker's Node flags; NaN when not measured. */
  readonly rawFresh: number
  readonly rate: number
  readonly wholeDrainRate: number
  readonly peakRssMb: number
}

/**
 * One round on a fresh emulator: the raw baseline drains warm-up + N events (in this process, and with `fresh` also
 * in a fresh process started like the worker), then the worker drains as many.
 */
const round = async (count: number, drain: Drain, fresh: boolean): Promise<Result> => {
  const emulator = await startEmulator()
  const client = new ServiceBusClient(emulator.connectionString)
  try {
    await publish(client, warmup + count)
    const raw = await rawInProcess(client, count)
    let rawFresh = Number.NaN
    if (fresh) {
      await publish(client, warmup + count)
      rawFresh = await rawInChildProcess(emulator.connectionString, count)
    }
    await publish(client, warmup + count)
    return { raw, rawFresh, ...(await drain(emulator.connectionString, count)) }
  } finally {
    await client.close()
    await stop(emulator.child)
  }
}

const formatRate = (rate: number) => (Number.isNaN(rate) ? "n/a" : String(Math.round(rate)))
const formatRatio = (ratios: ReadonlyArray<number>) =>
  ratios.some((ratio) => Number.isNaN(ratio)) ? "n/a" : `${(median(ratios) * 100).toFixed(0)}%`

const report = (label: string, results: ReadonlyArray<Result>) => {
  const rss = results.every((r) => Number.isNaN(r.peakRssMb))
    ? "n/a"
    : `${Math.max(...results.map((r) => r.peakRssMb)).toFixed(0)} MB`
  const cells = [
    label,
    String(results.length),
    formatRate(median(results.map((r) => r.rawFresh))),
    formatRate(median(results.map((r) => r.raw))),
    formatRate(median(results.map((r) => r.rate))),
    formatRatio(results.map((r) => r.rate / r.rawFresh)),
    formatRatio(results.map((r) => r.rate / r.raw)),
    formatRate(median(results.map((r) => r.wholeDrainRate))),
    rss,
  ]
  print(`| ${cells.join(" | ")} |`)
}

const rounds$ = async (label: string, count: number, drain: Drain, fresh: boolean) => {
  const results: Array<Result> = []
  for (let i = 0; i < rounds; i++) {
    const result = await round(count, drain, fresh)
    results.push(result)
    console.error(
      `  ${label} round ${i + 1}: raw fresh ${formatRate(result.rawFresh)}, raw hot ${formatRate(result.raw)}, worker ${formatRate(result.rate)} msg/s`,
    )
  }
  report(label, results)
}

// What the run prints on standard output is what `--write` records.
const printed: Array<string> = []
const print = (line: string) => {
  printed.push(line)
  console.log(line)
}

print(
  `Machine: ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(
      " ",
    )} (1, 5, 15 min) at the end; the worker runs with ${workerNodeFlags.join(" ")}; ${warmup} events of warm-up before the timed ones; medians.\n`,
)
print(
  "| sinks | rounds | raw SDK, fresh process with the worker's flags (msg/s) | raw SDK, hot bench process (msg/s) | worker (msg/s) | worker / raw fresh | worker / raw hot | worker over its whole drain (msg/s) | worker peak RSS |",
)
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
// The baseline's process starts hot, so that the first row does not meet a colder baseline than the last.
await round(events, async () => ({ rate: Number.NaN, wholeDrainRate: Number.NaN, peakRssMb: Number.NaN }), false)
if (rows.has("pipeline")) {
  const label = `none (worker pipeline in the bench process, in-memory sinks), ${events} events`
  await rounds$(label, events, pipelineDrain, false)
}
if (rows.has("filesystem")) {
  await rounds$(`filesystem, ${events} events`, events, (cs, n) => workerDrain(cs, n, "filesystem"), true)
}
if (rows.has("local") && peersEvents > 0) {
  await rounds$(
    `Azurite + Logs Ingestion server, ${peersEvents} events`,
    peersEvents,
    (cs, n) => workerDrain(cs, n, "local"),
    true,
  )
}
if (writeRequested()) {
  recordMeasurement({ id: "app-worker/endToEnd", section: "## @haymaker/app-worker", text: printed.join("\n") })
}
