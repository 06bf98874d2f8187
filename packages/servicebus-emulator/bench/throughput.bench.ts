import { cpus, loadavg } from "node:os"
import { parseArgs } from "node:util"
import { ServiceBusClient, type ServiceBusReceiver } from "@azure/service-bus"
import { benchArguments } from "../../../scripts/benchmarks.ts"
import { startEmulator } from "../src/index.ts"
import { startEmulatorAt } from "./emulatorAt.ts"
import { startMinimalPeer } from "./minimalPeer.ts"
import { report, runBench } from "./report.ts"
import { sendBatched } from "./sendBatched.ts"
import { type Measured, measure, median } from "./stats.ts"

/**
 * 1 KB messages through `@azure/service-bus` on one topic with one subscription: batched send, peek-lock receive +
 * complete, receive-and-delete. Median of several runs, against the emulator and against a minimal AMQP peer that
 * stores nothing (the same SDK code paths; the ratio shows the emulator's own cost).
 * `--against <git ref>` measures against the emulator as it was at that revision instead (a change's cost, under the
 * same load); that comparison is printed, not recorded.
 */
const runs = Number(process.env.BENCH_RUNS ?? 5)
const messagesPerRun = Number(process.env.BENCH_MESSAGES ?? 10_000)
const receiveBatch = 1000
// A 1 KB JSON event, like the agents' resource events (the SDK JSON-decodes every received body).
const body = {
  event_type: "resource_created",
  resource_id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/vm/vm-1",
  padding: "x".repeat(850),
}
const topic = "agent-logs"
const subscription = "orchestrator-sub"

const receiveCount = async (receiver: ServiceBusReceiver, count: number, complete: boolean): Promise<void> => {
  let received = 0
  while (received < count) {
    const messages = await receiver.receiveMessages(Math.min(receiveBatch, count - received), {
      maxWaitTimeInMs: 5000,
    })
    if (messages.length === 0) throw new Error(`receive stalled after ${received} of ${count} messages`)
    received += messages.length
    if (complete) await Promise.all(messages.map((message) => receiver.completeMessage(message)))
  }
}

interface Target {
  readonly connectionString: string
  /** Whether receives need messages sent first (the minimal peer invents them). */
  readonly stores: boolean
}

interface Scenarios {
  readonly send: Array<Measured>
  readonly peekLock: Array<Measured>
  readonly receiveAndDelete: Array<Measured>
}

const connect = async (target: Target) => {
  const client = new ServiceBusClient(target.connectionString)
  const sender = client.createSender(topic)
  const peekLock = client.createReceiver(topic, subscription, { maxAutoLockRenewalDurationInMs: 0 })
  const receiveAndDelete = client.createReceiver(topic, subscription, { receiveMode: "receiveAndDelete" })
  // Warm-up: connections, links, JIT.
  await sendBatched(sender, 2000, body)
  await receiveCount(receiveAndDelete, 2000, false)
  const results: Scenarios = { send: [], peekLock: [], receiveAndDelete: [] }
  const run = async () => {
    results.send.push(await measure(() => sendBatched(sender, messagesPerRun, body), messagesPerRun))
    results.peekLock.push(await measure(() => receiveCount(peekLock, messagesPerRun, true), messagesPerRun))
    if (target.stores) await sendBatched(sender, messagesPerRun, body)
    results.receiveAndDelete.push(
      await measure(() => receiveCount(receiveAndDelete, messagesPerRun, false), messagesPerRun),
    )
  }
  return { client, results, run }
}

const { against } = parseArgs({ args: benchArguments(), options: { against: { type: "string" } } }).values

const main = async () => {
  const load = loadavg()[0]?.toFixed(1)
  const emulator = await startEmulator()
  const peer = against === undefined ? await startMinimalPeer() : await (await startEmulatorAt(against))()
  const baselineName = against === undefined ? "minimal peer" : `emulator at ${against}`
  try {
    const baselineRun = await connect({ connectionString: peer.connectionString, stores: against !== undefined })
    const emulatorRun = await connect({ connectionString: emulator.connectionString, stores: true })
    // Interleaved so that load from other processes affects both sides alike.
    for (let i = 0; i < runs; i++) {
      await baselineRun.run()
      await emulatorRun.run()
      const last = (results: Scenarios) =>
        [results.send, results.peekLock, results.receiveAndDelete]
          .map((r) => `${Math.round(r[i]?.rate ?? 0)} (${Math.round(r[i]?.cpuMicros ?? 0)} µs)`)
          .join(" / ")
      process.stderr.write(
        `run ${i + 1}: ${baselineName} ${last(baselineRun.results)}, emulator ${last(emulatorRun.results)}\n`,
      )
    }
    await baselineRun.client.close()
    await emulatorRun.client.close()
    const baseline = baselineRun.results
    const measured = emulatorRun.results
    const rows = [
      ["batched send (`createMessageBatch`, 256 KB batches)", "send"],
      ["peek-lock `receiveMessages(1000)` + `completeMessage` each", "peekLock"],
      ["receive-and-delete `receiveMessages(1000)`", "receiveAndDelete"],
    ] as const
    const format = (n: number) => Math.round(n).toLocaleString("en-US")
    /** The medians of a side's rates and CPU times, and of the per-run ratios emulator / baseline. */
    const compare = (key: keyof Scenarios) => {
      const e = measured[key]
      const b = baseline[key]
      const ratio = (of: (m: Measured) => number) => median(e.map((m, i) => of(m) / of(b[i] as Measured)))
      return {
        rate: [median(e.map((m) => m.rate)), median(b.map((m) => m.rate)), ratio((m) => m.rate)],
        cpu: [median(e.map((m) => m.cpuMicros)), median(b.map((m) => m.cpuMicros)), ratio((m) => m.cpuMicros)],
      }
    }
    const short = against === undefined ? "peer" : against
    const lines = [
      `Machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? "unknown CPU"}), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; load average ${load} at the start, ${loadavg()[0]?.toFixed(1)} at the end.`,
      `${runs} interleaved runs × ${messagesPerRun.toLocaleString("en-US")} messages of 1 KB JSON, medians (ratios: of the per-run ratios); SDK, emulator and baseline share one process, whose CPU time per message is the second measure.`,
      "",
      `| scenario | emulator msg/s | ${baselineName} msg/s | emulator / ${short} | emulator CPU µs/msg | ${baselineName} CPU µs/msg | emulator / ${short} |`,
      "|---|---:|---:|---:|---:|---:|---:|",
      ...rows.map(([label, key]) => {
        const { rate, cpu } = compare(key)
        const percent = (n: number | undefined) => `${Math.round((n ?? 0) * 100)}%`
        return `| ${label} | ${format(rate[0] ?? 0)} | ${format(rate[1] ?? 0)} | ${percent(rate[2])} | ${format(cpu[0] ?? 0)} | ${format(cpu[1] ?? 0)} | ${percent(cpu[2])} |`
      }),
    ]
    report("throughput", lines, { record: against === undefined })
  } finally {
    await emulator.close()
    await peer.close()
  }
}

runBench(main)
