import { cpus } from "node:os"
import { ServiceBusClient, type ServiceBusReceiver, type ServiceBusSender } from "@azure/service-bus"
import { AmqpPayload } from "../src/amqp/AmqpPayload.ts"
import { messageHelpers } from "../src/amqp/rheaTypes.ts"
import { Broker } from "../src/broker/Broker.ts"
import { parseConfig } from "../src/config/parseConfig.ts"
import { startEmulator } from "../src/index.ts"
import { createLogger } from "../src/log.ts"
import { report, runBench } from "./report.ts"
import { median, rate } from "./stats.ts"

/**
 * Sessions against a plain queue, through `@azure/service-bus` in one emulator and one run: 1 KB messages spread over
 * N sessions, drained by K concurrent workers that each loop acceptNextSession → receive the session's messages →
 * complete them → close; the baseline drains the same number of messages from a queue without sessions with K
 * concurrent receivers. Send rates compare the same batches to both queues. Runs are interleaved; medians.
 *
 * Each worker receives exactly the session's message count (known here) instead of waiting for an empty receive, so
 * the measurement is the emulator's session work (accept, lock, deliver, settle, release), not client wait times.
 */
const runs = Number(process.env.BENCH_RUNS ?? 5)
const sessions = Number(process.env.BENCH_SESSIONS ?? 100)
const perSession = Number(process.env.BENCH_PER_SESSION ?? 100)
const workers = Number(process.env.BENCH_WORKERS ?? 8)
const total = sessions * perSession
const body = { event_type: "resource_created", padding: "x".repeat(950) }

/** One batch per session (Service Bus wants one session per send on partitioned entities; the same here). */
const sendPerSession = async (sender: ServiceBusSender, withSessions: boolean): Promise<void> => {
  for (let s = 0; s < sessions; s++) {
    const batch = await sender.createMessageBatch()
    for (let i = 0; i < perSession; i++) {
      const added = batch.tryAddMessage(withSessions ? { body, sessionId: `session-${s}` } : { body })
      if (!added) throw new Error("a session's messages must fit one batch; lower BENCH_PER_SESSION")
    }
    await sender.sendMessages(batch)
  }
}

const receiveAndComplete = async (receiver: ServiceBusReceiver, count: number): Promise<number> => {
  let received = 0
  while (received < count) {
    const messages = await receiver.receiveMessages(count - received, { maxWaitTimeInMs: 5000 })
    if (messages.length === 0) throw new Error(`receive stalled after ${received} of ${count} messages`)
    received += messages.length
    await Promise.all(messages.map((message) => receiver.completeMessage(message)))
  }
  return received
}

const drainSessions = async (client: ServiceBusClient): Promise<void> => {
  let drained = 0
  const worker = async () => {
    while (drained < sessions) {
      drained++
      const receiver = await client.acceptNextSession("sessions", { maxAutoLockRenewalDurationInMs: 0 })
      await receiveAndComplete(receiver, perSession)
      await receiver.close()
    }
  }
  await Promise.all(Array.from({ length: workers }, worker))
}

const drainPlain = async (receivers: ReadonlyArray<ServiceBusReceiver>): Promise<void> => {
  let remaining = total
  const worker = async (receiver: ServiceBusReceiver) => {
    while (remaining > 0) {
      const take = Math.min(perSession, remaining)
      remaining -= take
      await receiveAndComplete(receiver, take)
    }
  }
  await Promise.all(receivers.map(worker))
}

const config = {
  UserConfig: {
    Namespaces: [
      {
        Name: "sbemulatorns",
        Queues: [{ Name: "plain" }, { Name: "sessions", Properties: { RequiresSession: true } }],
      },
    ],
  },
}

/** The broker alone (no SDK, no sockets): decode and enqueue encoded messages, as a send link does. */
const brokerSendRate = (queue: "plain" | "sessions", encoded: ReadonlyArray<Buffer>): number => {
  const broker = new Broker(parseConfig(config), { logger: createLogger({ level: "silent" }) })
  const target = broker.sendTarget(queue)
  const start = performance.now()
  for (const bytes of encoded) broker.send(target, [AmqpPayload.decode(bytes)])
  const result = encoded.length / ((performance.now() - start) / 1000)
  broker.close()
  return result
}

const main = async () => {
  const encode = (sessionId: string | undefined, i: number) =>
    messageHelpers.encode({ message_id: `m-${i}`, group_id: sessionId, body: JSON.stringify(body) })
  const encodedPlain = Array.from({ length: total }, (_, i) => encode(undefined, i))
  const encodedSessions = Array.from({ length: total }, (_, i) => encode(`session-${i % sessions}`, i))
  const emulator = await startEmulator({ config })
  const client = new ServiceBusClient(emulator.connectionString)
  try {
    const plainSender = client.createSender("plain")
    const sessionSender = client.createSender("sessions")
    const plainReceivers = Array.from({ length: workers }, () =>
      client.createReceiver("plain", { maxAutoLockRenewalDurationInMs: 0 }),
    )
    // Warm-up: links, JIT.
    await sendPerSession(plainSender, false)
    await drainPlain(plainReceivers)
    await sendPerSession(sessionSender, true)
    await drainSessions(client)
    const results = {
      plainSend: [] as Array<number>,
      sessionSend: [] as Array<number>,
      brokerPlain: [] as Array<number>,
      brokerSessions: [] as Array<number>,
    }
    const drain = { plain: [] as Array<number>, sessions: [] as Array<number> }
    const plainRound = async () => {
      results.plainSend.push(await rate(() => sendPerSession(plainSender, false), total))
      drain.plain.push(await rate(() => drainPlain(plainReceivers), total))
      results.brokerPlain.push(brokerSendRate("plain", encodedPlain))
    }
    const sessionRound = async () => {
      results.sessionSend.push(await rate(() => sendPerSession(sessionSender, true), total))
      drain.sessions.push(await rate(() => drainSessions(client), total))
      results.brokerSessions.push(brokerSendRate("sessions", encodedSessions))
    }
    for (let i = 0; i < runs; i++) {
      // Alternating which side goes first spreads the garbage one side leaves for the other's collector.
      if (i % 2 === 0) {
        await plainRound()
        await sessionRound()
      } else {
        await sessionRound()
        await plainRound()
      }
      const last = (values: Array<number>) => Math.round(values[i] ?? 0)
      process.stderr.write(
        `run ${i + 1}: send ${last(results.sessionSend)} vs ${last(results.plainSend)}, drain ${last(drain.sessions)} vs ${last(drain.plain)}, broker send ${last(results.brokerSessions)} vs ${last(results.brokerPlain)} msg/s (sessions vs plain)\n`,
      )
    }
    const format = (n: number) => Math.round(n).toLocaleString("en-US")
    // Load from other processes moves whole runs: the ratio is the median of the per-run ratios.
    const row = (label: string, sessionsRates: ReadonlyArray<number>, plainRates: ReadonlyArray<number>) => {
      const ratio = median(sessionsRates.map((r, i) => r / (plainRates[i] as number)))
      return `| ${label} | ${format(median(sessionsRates))} | ${format(median(plainRates))} | ${Math.round(ratio * 100)}% |`
    }
    const lines = [
      `Machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? "unknown CPU"}), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
      `${runs} interleaved runs (alternating which side goes first) × ${format(total)} messages of 1 KB JSON (${sessions} sessions × ${perSession}), ${workers} concurrent workers, medians (the ratio: median of the per-run ratios); SDK and emulator share one process.`,
      "",
      "| scenario | session queue msg/s | plain queue msg/s | sessions / plain |",
      "|---|---:|---:|---:|",
      row("batched send, one batch per session", results.sessionSend, results.plainSend),
      row("send in the broker alone (decode + enqueue, no SDK)", results.brokerSessions, results.brokerPlain),
      row(
        "drain: acceptNextSession → receive → complete each → close (plain: K receivers, complete each)",
        drain.sessions,
        drain.plain,
      ),
    ]
    report("sessions", lines, { subsection: "### Sessions" })
  } finally {
    await client.close()
    await emulator.close()
  }
}

runBench(main)
