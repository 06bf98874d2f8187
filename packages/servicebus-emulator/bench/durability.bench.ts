import { mkdtempSync, rmSync } from "node:fs"
import { cpus } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { ServiceBusClient, type ServiceBusReceiver, type ServiceBusSender } from "@azure/service-bus"
import { recordMeasurement, writeRequested } from "../../../scripts/benchmarks.ts"
import { type EmulatorOptions, startEmulator } from "../src/index.ts"
import { sendBatched } from "./sendBatched.ts"
import { median, rate } from "./stats.ts"

/**
 * Send throughput with durable storage (`dataDir`) under both fsync policies, against the same emulator in memory,
 * all in this process and interleaved: 1 KB messages through `@azure/service-bus`, batched sends and single sends
 * with many in flight (which group commit serves with one write and one sync per event-loop turn).
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

/** Messages per second and CPU microseconds per message (user + system, SDK included: the same in every mode). */
const measure = async (action: () => Promise<void>, count: number): Promise<{ rate: number; cpu: number }> => {
  const before = process.cpuUsage()
  const perSecond = await rate(action, count)
  const used = process.cpuUsage(before)
  return { rate: perSecond, cpu: (used.user + used.system) / count }
}

interface Target {
  readonly label: string
  readonly options: EmulatorOptions
}

const main = async () => {
  // Next to the package, on the same disk as the repository (a tmpfs would make fsync free).
  const root = mkdtempSync(join(fileURLToPath(new URL("..", import.meta.url)), ".bench-data-"))
  const targets: ReadonlyArray<Target> = [
    { label: "in memory", options: {} },
    { label: 'dataDir, fsync "never"', options: { dataDir: join(root, "never"), fsync: "never" } },
    { label: 'dataDir, fsync "always"', options: { dataDir: join(root, "always"), fsync: "always" } },
  ]
  const config = { UserConfig: { Namespaces: [{ Name: "sbemulatorns", Queues: [{ Name: queue }] }] } }
  const running = await Promise.all(
    targets.map(async (target) => {
      const emulator = await startEmulator({ config, ...target.options })
      const client = new ServiceBusClient(emulator.connectionString)
      const sender = client.createSender(queue)
      const receiver = client.createReceiver(queue, { receiveMode: "receiveAndDelete" })
      await sendBatched(sender, 2000, body)
      await drain(receiver, 2000)
      return {
        target,
        emulator,
        client,
        sender,
        receiver,
        batched: [] as Array<number>,
        batchedCpu: [] as Array<number>,
        single: [] as Array<number>,
        singleCpu: [] as Array<number>,
      }
    }),
  )
  try {
    for (let i = 0; i < runs; i++) {
      for (const r of running) {
        const batched = await measure(() => sendBatched(r.sender, batchedMessages, body), batchedMessages)
        r.batched.push(batched.rate)
        r.batchedCpu.push(batched.cpu)
        await drain(r.receiver, batchedMessages)
        const single = await measure(() => sendSingles(r.sender, singleMessages), singleMessages)
        r.single.push(single.rate)
        r.singleCpu.push(single.cpu)
        await drain(r.receiver, singleMessages)
      }
      process.stderr.write(
        `run ${i + 1}: ${running.map((r) => `${r.target.label} ${Math.round(r.batched[i] ?? 0)} / ${Math.round(r.single[i] ?? 0)}`).join(", ")}\n`,
      )
    }
    const memory = running[0] as (typeof running)[number]
    const format = (n: number) => Math.round(n).toLocaleString("en-US")
    const lines = [
      `Machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? "unknown CPU"}), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
      `${runs} interleaved runs, median; 1 KB messages to one queue; SDK and the three emulators share one process.`,
      "",
      `| storage | batched send msg/s | vs in memory | CPU µs/msg | single sends (${inFlight} in flight) msg/s | vs in memory | CPU µs/msg |`,
      "|---|---:|---:|---:|---:|---:|---:|",
      ...running.map((r) => {
        const batched = median(r.batched)
        const single = median(r.single)
        const ratio = (value: number, base: number) => `${Math.round((value / base) * 100)}%`
        return `| ${r.target.label} | ${format(batched)} | ${ratio(batched, median(memory.batched))} | ${format(median(r.batchedCpu))} | ${format(single)} | ${ratio(single, median(memory.single))} | ${format(median(r.singleCpu))} |`
      }),
    ]
    process.stdout.write(`${lines.join("\n")}\n`)
    if (writeRequested()) {
      recordMeasurement({
        id: "servicebus-emulator/durability",
        section: "## @haymaker/servicebus-emulator",
        subsection: "### Durable storage (`dataDir`)",
        text: lines.join("\n"),
      })
    }
  } finally {
    for (const r of running) {
      await r.client.close()
      await r.emulator.close()
    }
    rmSync(root, { recursive: true, force: true })
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exit(1)
  },
)
