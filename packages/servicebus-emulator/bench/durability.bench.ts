import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { cpus, loadavg } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { ServiceBusClient, type ServiceBusReceiver, type ServiceBusSender } from "@azure/service-bus"
import { cpuSeconds, type EmulatorProcess, startEmulatorProcess } from "./emulatorProcess.ts"
import { report, runBench } from "./report.ts"
import { sendBatched } from "./sendBatched.ts"
import { median } from "./stats.ts"

/**
 * Send throughput with durable storage (`--data-dir`) under both fsync policies against the emulator in memory:
 * three emulator CLIs in their own processes (as users run them), driven by `@azure/service-bus` from this process,
 * interleaved. 1 KB messages to one queue: batched sends (one batch in flight) and single sends with many in flight
 * (which group commit serves with one write and one sync per event-loop turn). Besides wall-clock rates, each
 * emulator's own CPU time per message (from /proc): the journal's cost, whatever else runs on the machine.
 */
const runs = Number(process.env.BENCH_RUNS ?? 5)
const batchedMessages = Number(process.env.BENCH_MESSAGES ?? 10_000)
const singleMessages = Math.max(1, Math.floor(batchedMessages / 2))
const inFlight = 32
const body = { event_type: "resource_created", padding: "x".repeat(950) }
const queue = "bench"

const sendSingles = async (sender: ServiceBusSender, count: number): Promise<void> => {
  let next = 0
  const lane = async () => {
    while (next < count) {
      next++
      await sender.sendMessages({ body })
    }
  }
  await Promise.all(Array.from({ length: inFlight }, lane))
}

const drain = async (receiver: ServiceBusReceiver, count: number): Promise<void> => {
  let received = 0
  while (received < count) {
    const messages = await receiver.receiveMessages(Math.min(1000, count - received), { maxWaitTimeInMs: 5000 })
    if (messages.length === 0) throw new Error(`drain stalled after ${received} of ${count} messages`)
    received += messages.length
  }
}

interface Measured {
  /** Messages per second of wall-clock time. */
  readonly rate: number
  /** The emulator process's CPU microseconds per message. */
  readonly cpu: number
}

const measure = async (emulator: EmulatorProcess, action: () => Promise<void>, count: number): Promise<Measured> => {
  const cpuBefore = cpuSeconds(emulator.pid)
  const start = performance.now()
  await action()
  const seconds = (performance.now() - start) / 1000
  return { rate: count / seconds, cpu: ((cpuSeconds(emulator.pid) - cpuBefore) * 1e6) / count }
}

const main = async () => {
  // Next to the package, on the repository's disk (a tmpfs would make fsync free).
  const root = mkdtempSync(join(fileURLToPath(new URL("..", import.meta.url)), ".bench-data-"))
  const configPath = join(root, "Config.json")
  writeFileSync(
    configPath,
    JSON.stringify({ UserConfig: { Namespaces: [{ Name: "sbemulatorns", Queues: [{ Name: queue }] }] } }),
  )
  const modes = [
    { label: "in memory", args: [] },
    { label: "`--data-dir`, `--fsync never`", args: ["--data-dir", join(root, "never"), "--fsync", "never"] },
    { label: "`--data-dir`, `--fsync always`", args: ["--data-dir", join(root, "always"), "--fsync", "always"] },
  ]
  const loadAtStart = loadavg()[0] ?? 0
  const running: Array<{
    readonly label: string
    readonly emulator: EmulatorProcess
    readonly client: ServiceBusClient
    readonly sender: ServiceBusSender
    readonly receiver: ServiceBusReceiver
    readonly batched: Array<Measured>
    readonly single: Array<Measured>
  }> = []
  try {
    for (const mode of modes) {
      const emulator = await startEmulatorProcess(configPath, mode.args)
      const client = new ServiceBusClient(emulator.connectionString)
      const sender = client.createSender(queue)
      const receiver = client.createReceiver(queue, { receiveMode: "receiveAndDelete" })
      running.push({ label: mode.label, emulator, client, sender, receiver, batched: [], single: [] })
      // Warm-up: connections, links, JIT.
      await sendBatched(sender, 2000, body)
      await sendSingles(sender, 500)
      await drain(receiver, 2500)
    }
    for (let i = 0; i < runs; i++) {
      for (const r of running) {
        r.batched.push(await measure(r.emulator, () => sendBatched(r.sender, batchedMessages, body), batchedMessages))
        await drain(r.receiver, batchedMessages)
        r.single.push(await measure(r.emulator, () => sendSingles(r.sender, singleMessages), singleMessages))
        await drain(r.receiver, singleMessages)
      }
      const last = (r: (typeof running)[number]) =>
        `${Math.round(r.batched[i]?.rate ?? 0)} / ${Math.round(r.single[i]?.rate ?? 0)} msg/s`
      process.stderr.write(`run ${i + 1}: ${running.map((r) => `${r.label} ${last(r)}`).join(", ")}\n`)
    }
    const memory = running[0] as (typeof running)[number]
    const format = (n: number) => Math.round(n).toLocaleString("en-US")
    const ratio = (value: number, base: number) => `${Math.round((value / base) * 100)}%`
    const of = (results: ReadonlyArray<Measured>, key: keyof Measured) => median(results.map((m) => m[key]))
    const lines = [
      `Machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? "unknown CPU"}), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; load average ${loadAtStart.toFixed(1)} at the start, ${(loadavg()[0] ?? 0).toFixed(1)} at the end.`,
      `${runs} interleaved runs, medians: ${batchedMessages.toLocaleString("en-US")} batched and ${singleMessages.toLocaleString("en-US")} single 1 KB messages per run to one queue; each emulator in its own process (the CLI), the SDK in the bench's.`,
      "",
      `| storage | batched send msg/s | vs in memory | emulator CPU µs/msg | single sends (${inFlight} in flight) msg/s | vs in memory | emulator CPU µs/msg |`,
      "|---|---:|---:|---:|---:|---:|---:|",
      ...running.map(
        (r) =>
          `| ${r.label} | ${format(of(r.batched, "rate"))} | ${ratio(of(r.batched, "rate"), of(memory.batched, "rate"))} | ${format(of(r.batched, "cpu"))} | ${format(of(r.single, "rate"))} | ${ratio(of(r.single, "rate"), of(memory.single, "rate"))} | ${format(of(r.single, "cpu"))} |`,
      ),
    ]
    report("durability", lines, { subsection: "### Durable storage (`dataDir`)" })
  } finally {
    for (const r of running) {
      await r.client.close()
      await r.emulator.close()
    }
    rmSync(root, { recursive: true, force: true })
  }
}

runBench(main)
