import { cpus } from "node:os"
import { ServiceBusClient, type ServiceBusReceiver } from "@azure/service-bus"
import { recordMeasurement, writeRequested } from "../../../scripts/benchmarks.ts"
import { startEmulator } from "../src/index.ts"
import { startMinimalPeer } from "./minimalPeer.ts"
import { sendBatched } from "./sendBatched.ts"
import { median, rate } from "./stats.ts"

/**
 * 1 KB messages through `@azure/service-bus` on one topic with one subscription: batched send, peek-lock receive +
 * complete, receive-and-delete. Median of several runs, against the emulator and against a minimal AMQP peer that
 * stores nothing (the same SDK code paths; the ratio shows the emulator's own cost).
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
  readonly send: Array<number>
  readonly peekLock: Array<number>
  readonly receiveAndDelete: Array<number>
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
    results.send.push(await rate(() => sendBatched(sender, messagesPerRun, body), messagesPerRun))
    results.peekLock.push(await rate(() => receiveCount(peekLock, messagesPerRun, true), messagesPerRun))
    if (target.stores) await sendBatched(sender, messagesPerRun, body)
    results.receiveAndDelete.push(
      await rate(() => receiveCount(receiveAndDelete, messagesPerRun, false), messagesPerRun),
    )
  }
  return { client, results, run }
}

const main = async () => {
  const emulator = await startEmulator()
  const peer = await startMinimalPeer()
  try {
    const baselineRun = await connect({ connectionString: peer.connectionString, stores: false })
    const emulatorRun = await connect({ connectionString: emulator.connectionString, stores: true })
    // Interleaved so that load from other processes affects both sides alike.
    for (let i = 0; i < runs; i++) {
      await baselineRun.run()
      await emulatorRun.run()
      const last = (results: Scenarios) =>
        [results.send, results.peekLock, results.receiveAndDelete].map((r) => Math.round(r[i] ?? 0)).join(" / ")
      process.stderr.write(`run ${i + 1}: peer ${last(baselineRun.results)}, emulator ${last(emulatorRun.results)}\n`)
    }
    await baselineRun.client.close()
    await emulatorRun.client.close()
    const summary = (results: Scenarios) => ({
      send: median(results.send),
      peekLock: median(results.peekLock),
      receiveAndDelete: median(results.receiveAndDelete),
    })
    const baseline = summary(baselineRun.results)
    const measured = summary(emulatorRun.results)
    const rows = [
      ["batched send (`createMessageBatch`, 256 KB batches)", "send"],
      ["peek-lock `receiveMessages(1000)` + `completeMessage` each", "peekLock"],
      ["receive-and-delete `receiveMessages(1000)`", "receiveAndDelete"],
    ] as const
    const format = (n: number) => Math.round(n).toLocaleString("en-US")
    const lines = [
      `Machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? "unknown CPU"}), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
      `${runs} interleaved runs × ${messagesPerRun.toLocaleString("en-US")} messages of 1 KB JSON, median; SDK, emulator and baseline peer share one process.`,
      "",
      "| scenario | emulator msg/s | minimal peer msg/s | emulator / peer |",
      "|---|---:|---:|---:|",
      ...rows.map(([label, key]) => {
        const e = measured[key] ?? 0
        const b = baseline[key] ?? 1
        return `| ${label} | ${format(e)} | ${format(b)} | ${Math.round((e / b) * 100)}% |`
      }),
    ]
    process.stdout.write(`${lines.join("\n")}\n`)
    if (writeRequested()) {
      recordMeasurement({
        id: "servicebus-emulator/throughput",
        section: "## @haymaker/servicebus-emulator",
        text: lines.join("\n"),
      })
    }
  } finally {
    await emulator.close()
    await peer.close()
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exit(1)
  },
)
