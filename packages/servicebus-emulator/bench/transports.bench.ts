import { cpus, loadavg } from "node:os"
import { getCACertificates, setDefaultCACertificates } from "node:tls"
import { ServiceBusClient, type ServiceBusClientOptions } from "@azure/service-bus"
import WebSocket from "ws"
import { FrameGuard } from "../src/amqp/FrameGuard.ts"
import { startEmulator } from "../src/index.ts"
import { report, runBench } from "./report.ts"
import { median, rate } from "./stats.ts"

/**
 * What each transport of the emulator's port costs: 1 KB messages through `@azure/service-bus`, batched send and
 * receive-and-delete, over plain AMQP (the baseline), AMQPS and AMQP over secure WebSockets, against one emulator,
 * interleaved runs, medians. Then the frame guard's own cost per frame, against copying the same bytes.
 */
const runs = Number(process.env.BENCH_RUNS ?? 7)
const messagesPerRun = Number(process.env.BENCH_MESSAGES ?? 5_000)
const body = { event_type: "resource_created", padding: "x".repeat(900) }

const roundTrip = (client: ServiceBusClient) => {
  const sender = client.createSender("agent-logs")
  const receiver = client.createReceiver("agent-logs", "orchestrator-sub", { receiveMode: "receiveAndDelete" })
  const send = async (count: number) => {
    let sent = 0
    while (sent < count) {
      const batch = await sender.createMessageBatch()
      while (sent < count && batch.tryAddMessage({ body })) sent++
      await sender.sendMessages(batch)
    }
  }
  const receive = async (count: number) => {
    let received = 0
    while (received < count) {
      const messages = await receiver.receiveMessages(Math.min(1000, count - received), { maxWaitTimeInMs: 5000 })
      if (messages.length === 0) throw new Error(`receive stalled after ${received} of ${count}`)
      received += messages.length
    }
  }
  return { send, receive }
}

/** Nanoseconds per frame for `inspect` on a stream of 1 KB frames, and for copying the same bytes once. */
const guardCost = () => {
  const frames = 200_000
  const frame = Buffer.alloc(1024)
  frame.writeUInt32BE(1024, 0)
  frame[4] = 2
  const chunk = Buffer.concat(Array.from({ length: 64 }, () => frame))
  const scratch = Buffer.alloc(chunk.length)
  const time = (work: () => void) => {
    const start = process.hrtime.bigint()
    work()
    return Number(process.hrtime.bigint() - start) / frames
  }
  const guarded: Array<number> = []
  const copied: Array<number> = []
  for (let round = 0; round < 7; round++) {
    const guard = new FrameGuard({ handshakeFrameLimit: 8192, maxFrameSize: 65536 })
    guard.inspect(Buffer.from("AMQP\x00\x01\x00\x00", "latin1"))
    guarded.push(
      time(() => {
        for (let i = 0; i < frames / 64; i++) guard.inspect(chunk)
      }),
    )
    copied.push(
      time(() => {
        for (let i = 0; i < frames / 64; i++) chunk.copy(scratch)
      }),
    )
  }
  return { guard: median(guarded), copy: median(copied) }
}

const main = async () => {
  const emulator = await startEmulator({ tls: true })
  const trusted = getCACertificates("default")
  // AMQPS through the SDK has no CA option: trust the emulator's CA process-wide, as NODE_EXTRA_CA_CERTS would.
  setDefaultCACertificates([...trusted, emulator.ca ?? ""])
  const options: ServiceBusClientOptions = {}
  const clients = {
    amqp: new ServiceBusClient(emulator.connectionString, options),
    amqps: new ServiceBusClient(emulator.tlsConnectionString ?? "", options),
    wss: new ServiceBusClient(emulator.tlsConnectionString ?? "", {
      webSocketOptions: { webSocket: WebSocket, webSocketConstructorOptions: { ca: emulator.ca } },
    }),
  }
  const transports = ["amqp", "amqps", "wss"] as const
  const results = Object.fromEntries(
    transports.map((name) => [name, { send: [] as Array<number>, receive: [] as Array<number> }]),
  )
  try {
    const paths = Object.fromEntries(transports.map((name) => [name, roundTrip(clients[name])]))
    for (const name of transports) {
      await paths[name]?.send(1000)
      await paths[name]?.receive(1000)
    }
    for (let i = 0; i < runs; i++) {
      // Rotated order, so that load from other processes does not always fall on the same transport.
      const order = transports.map((_, k) => transports[(k + i) % transports.length] as (typeof transports)[number])
      for (const name of order) {
        const path = paths[name]
        const result = results[name]
        if (path === undefined || result === undefined) continue
        result.send.push(await rate(() => path.send(messagesPerRun), messagesPerRun))
        result.receive.push(await rate(() => path.receive(messagesPerRun), messagesPerRun))
      }
      process.stderr.write(`run ${i + 1} of ${runs}\n`)
    }
  } finally {
    await Promise.all(Object.values(clients).map((client) => client.close()))
    await emulator.close()
    setDefaultCACertificates(trusted)
  }
  const format = (n: number) => Math.round(n).toLocaleString("en-US")
  const baseline = results.amqp
  const lines = [
    `Machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? "unknown CPU"}), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, load average ${loadavg()[0]?.toFixed(1)}.`,
    `${runs} interleaved runs × ${messagesPerRun.toLocaleString("en-US")} messages of 1 KB JSON, median; SDK and emulator share one process.`,
    "",
    "| transport | batched send msg/s | vs AMQP | receive-and-delete msg/s | vs AMQP |",
    "|---|---:|---:|---:|---:|",
    ...transports.map((name) => {
      const send = median(results[name]?.send ?? [])
      const receive = median(results[name]?.receive ?? [])
      const sendBase = median(baseline?.send ?? [1])
      const receiveBase = median(baseline?.receive ?? [1])
      return `| ${name} | ${format(send)} | ${Math.round((send / sendBase) * 100)}% | ${format(receive)} | ${Math.round((receive / receiveBase) * 100)}% |`
    }),
  ]
  const cost = guardCost()
  lines.push(
    "",
    `Frame guard: ${cost.guard.toFixed(1)} ns per 1 KB frame inspected; copying the same 1 KB once takes ${cost.copy.toFixed(1)} ns (guard / copy ${(cost.guard / cost.copy).toFixed(2)}).`,
  )
  report("transports", lines, { subsection: "### Transports (AMQP, AMQPS, AMQP over secure WebSockets)" })
}

runBench(main)
