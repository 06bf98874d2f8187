// Throughput of the worker image, one container against two on the same subscription, in the same run and against
// the same local stack (emulator, Azurite, Logs Ingestion server, managed identity endpoint: all on this machine).
// Each measurement publishes a backlog first, then starts the containers and times the drain from 10% to 90% of the
// backlog settled (the workers' own counters), so start-up is not counted. Rounds alternate which runs first.
// Run: tools/container-test/run.sh --bench [--events N] [--rounds N] [--write] (--write records it in BENCHMARKS.md)
import { execFileSync, spawn } from "node:child_process"
import { cpus, loadavg } from "node:os"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { benchArguments, recordMeasurement, writeRequested } from "../../../scripts/benchmarks.ts"
import { subscriptionEmpty } from "../src/accounting.ts"
import { Progress } from "../src/progress.ts"
import { startLocalStack } from "../src/stack.ts"
import { removeContainer, runWorkerContainer, until, type WorkerContainer, waitReady } from "../src/workerContainer.ts"

const { values } = parseArgs({
  args: benchArguments(),
  options: { events: { type: "string", default: "20000" }, rounds: { type: "string", default: "5" } },
})
const events = Number(values.events)
const rounds = Number(values.rounds)
const image = process.env.HAYMAKER_WORKER_IMAGE
if (image === undefined) throw new Error("HAYMAKER_WORKER_IMAGE is not set: run tools/container-test/run.sh --bench")
const publisherMain = fileURLToPath(new URL("../src/publishMain.ts", import.meta.url))

const loadAtStart = loadavg()[0]
const stack = await startLocalStack({ lockDuration: "PT1M", maxDeliveryCount: 10 })

const publish = (connectionString: string) =>
  new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [publisherMain, String(events), "0"], {
      env: { ...process.env, SERVICEBUS_CONNECTION_STRING: connectionString },
      stdio: ["ignore", "ignore", "inherit"],
    })
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`publisher exited with ${code}`))))
  })

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}

/** Messages per second of `containers` workers draining a backlog of `events`, between 10% and 90% settled. */
const drain = async (containers: number, round: number): Promise<number> => {
  await publish(stack.emulator.connectionString)
  const workers: Array<WorkerContainer> = []
  try {
    for (let i = 0; i < containers; i++) {
      workers.push(
        await runWorkerContainer({
          image,
          name: `haymaker-bench-${process.pid}-${round}-${containers}-${i}`,
          env: stack.workerEnv,
          mounts: [stack.caPath],
          directory: stack.directory,
        }),
      )
    }
    await Promise.all(workers.map((worker) => waitReady(worker)))
    const progress = new Progress(() => workers)
    await until("10% settled", async () => (await progress.settled()) >= events * 0.1, 600_000, 100)
    const from = performance.now()
    await until("90% settled", async () => (await progress.settled()) >= events * 0.9, 600_000, 100)
    const rate = (events * 0.8) / ((performance.now() - from) / 1000)
    await until("the subscription to be empty", () => subscriptionEmpty(stack), 600_000, 500)
    return rate
  } finally {
    for (const worker of workers) await removeContainer(worker.name)
    await stack.logsIngestion.reset()
  }
}

const one: Array<number> = []
const two: Array<number> = []
const ratios: Array<number> = []
try {
  for (let round = 0; round < rounds; round++) {
    // Alternate the order, so neither side always runs on a warmer or busier machine.
    const order = round % 2 === 0 ? [1, 2] : [2, 1]
    const rates: Record<number, number> = {}
    for (const containers of order) rates[containers] = await drain(containers, round)
    one.push(rates[1] ?? 0)
    two.push(rates[2] ?? 0)
    ratios.push((rates[2] ?? 0) / (rates[1] ?? 1))
    console.log(
      `round ${round + 1}: one container ${Math.round(rates[1] ?? 0)} msg/s, two ${Math.round(rates[2] ?? 0)} msg/s`,
    )
  }
} finally {
  await stack.close()
}
const loadAtEnd = loadavg()[0]
const format = (n: number) => Math.round(n).toLocaleString("en-US")
const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim()
const text = `Machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? "unknown"}), shared with other work; Node ${process.version} on the host, the image's own Node in the containers; ${new Date().toISOString().slice(0, 10)}, commit ${commit}; load average ${loadAtStart?.toFixed(1)} at the start, ${loadAtEnd?.toFixed(1)} at the end. ${rounds} rounds of ${format(events)} events, the order alternating; medians.

| workers | msg/s (median) | runs | two / one (median of the per-round ratios) |
|---|---:|---|---:|
| one container | ${format(median(one))} | ${one.map(format).join(", ")} | |
| two containers | ${format(median(two))} | ${two.map(format).join(", ")} | ${median(ratios).toFixed(2)} (${ratios.map((r) => r.toFixed(2)).join(", ")}) |`
console.log(text)
if (writeRequested()) {
  recordMeasurement({ id: "container-test/scale-out", section: "## Worker image: one container against two", text })
}
