import type { ServiceBusMessageBatch } from "@azure/service-bus"
import { BlobServiceClient } from "@azure/storage-blob"
import { connectionString, renderMessageId, ServiceBusDeadLetterQueue } from "@haymaker/adapters-servicebus"
import { AgentLogsStream, ResourcesStream } from "@haymaker/adapters-sinks"
import { DeadLetterQueue, type DeadLetterQueueError } from "@haymaker/domain"
import { Effect } from "effect"
import Long from "long"
import {
  type MatrixStack,
  type Metrics,
  metricSum,
  parseMetrics,
  subscription,
  topic,
  type WorkerProcess,
} from "./MatrixStack.ts"

/** A message as the SDK sends it: a `ServiceBusMessage`, or an AMQP message with a body section of its choice. */
export type OutgoingMessage = Parameters<ServiceBusMessageBatch["tryAddMessage"]>[0]

/** What must become of one message sent in a cell. */
export type Expectation =
  /** A valid event: in the archive, and a Log Analytics row when its type has one; never dead-lettered. */
  | { readonly _tag: "Lands"; readonly row: boolean }
  /** A bad message: dead-lettered with this reason, in no sink. */
  | { readonly _tag: "DeadLettered"; readonly reason: string }
  /** A valid event Log Analytics refuses: dead-lettered with this reason, archived (both sinks are written at once). */
  | { readonly _tag: "Refused"; readonly reason: string }

export interface Sent {
  readonly message: OutgoingMessage
  /** The id as the worker renders it (the dead-letter queue's view too). */
  readonly messageId: string
  /** A value unique to the message, carried in its event as `_probe` (valid events only). */
  readonly probe: string | undefined
  readonly expect: Expectation
}

/** One row of the matrix, as docs/reliability.md records it. */
export interface CellResult {
  readonly cell: string
  readonly messages: number
  readonly lost: number
  readonly duplicated: { readonly logAnalytics: number; readonly archive: number }
  readonly deadLetteredWrongly: number
  /** Copies whose `message_id` is not the id as sent, rendered losslessly. */
  readonly misrenderedIds: number
  /** What explains duplicates: deliveries after the first, and records a sink call wrote again. */
  readonly redelivered: number
  /** The most deliveries of one message id, as the receivers logged them. */
  readonly mostDeliveries: number
  /**
   * Copies that neither a delivery nor a retried write explains: for each message id, its copies in a sink beyond
   * its deliveries (counted from the workers' logs), less the records that sink wrote again. Must be 0.
   */
  readonly unexplained: { readonly logAnalytics: number; readonly archive: number }
  readonly retried: { readonly logAnalytics: number; readonly archive: number }
  readonly deadLetters: Readonly<Record<string, number>>
  readonly metricsDeadLetters: Readonly<Record<string, number>>
  readonly sawUnready: ReadonlyArray<string>
  readonly seconds: number
}

/** What a cell's fault script gets: the stack, the running worker (replaceable) and progress probes. */
export interface CellContext {
  readonly stack: MatrixStack
  readonly container: string
  worker: WorkerProcess
  /** Starts another worker on the cell's archive container (after killing one). */
  readonly startWorker: () => Promise<WorkerProcess>
  /** Keeps the last metrics of a worker about to be killed (its counters die with it). */
  readonly keepMetrics: (worker: WorkerProcess) => Promise<void>
  /** Every worker this cell started (their logs count the deliveries). */
  readonly workers: Array<WorkerProcess>
  /** Resolves once at least `count` Log Analytics rows arrived: the worker is mid-run. */
  readonly rowsAtLeast: (count: number) => Promise<void>
  /** Messages a worker received and has not settled yet (from its metrics). */
  readonly unsettled: (worker: WorkerProcess) => Promise<number>
  /** Publishes the messages after the first wave (once; the cell does it after the script otherwise). */
  readonly publishRest: () => Promise<void>
}

export interface CellOptions {
  /** Extra environment for the workers. */
  readonly env?: Record<string, string>
  /**
   * How many messages are published before the fault script runs (default: all). With fewer, the script decides
   * when the rest go: a fault arranged before the traffic cannot miss it, however fast the worker is.
   */
  readonly firstWave?: number
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `check` every 100 ms until it holds, or throws after `timeoutMs` naming what was awaited. */
export const until = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 120_000) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`fault matrix: timed out waiting for ${what}`)
    await sleep(100)
  }
}

const fetchText = async (url: string): Promise<{ status: number; body: string }> => {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) })
  return { status: response.status, body: await response.text() }
}

const scrape = async (worker: WorkerProcess): Promise<Metrics> =>
  parseMetrics((await fetchText(`${await worker.ops}/metrics`)).body)

const waitReady = (worker: WorkerProcess) =>
  until("the worker to report ready", async () => {
    if (worker.child.exitCode !== null) throw new Error(`the worker exited:\n${worker.output().slice(-4_000)}`)
    const ops = await Promise.race([worker.ops, sleep(100).then(() => undefined)])
    if (ops === undefined) return false
    return (await fetchText(`${ops}/readyz`).catch(() => ({ status: 0 }))).status === 200
  })

/** Messages still on the subscription (active, locked, deferred or scheduled), read from the first one. */
const onSubscription = async (stack: MatrixStack): Promise<number> => {
  const receiver = stack.client.createReceiver(topic, subscription)
  try {
    return (await receiver.peekMessages(10, { fromSequenceNumber: Long.ZERO })).length
  } finally {
    await receiver.close()
  }
}

interface ArchiveLine {
  readonly messageId: string
  readonly sequenceNumber: string
  readonly probe: unknown
}

const archiveLines = async (stack: MatrixStack, container: string): Promise<Array<ArchiveLine>> => {
  const client = BlobServiceClient.fromConnectionString(stack.azurite.connectionString).getContainerClient(container)
  const lines: Array<ArchiveLine> = []
  if (!(await client.exists())) return lines
  for await (const blob of client.listBlobsFlat()) {
    const content = (await client.getBlobClient(blob.name).downloadToBuffer()).toString("utf8")
    for (const text of content.split("\n")) {
      if (text.trim() === "") continue
      const line = JSON.parse(text) as {
        message: { message_id: string; sequence_number: string }
        event: { _probe?: unknown }
      }
      lines.push({
        messageId: line.message.message_id,
        sequenceNumber: line.message.sequence_number,
        probe: line.event._probe,
      })
    }
  }
  return lines
}

/** Runs `use` on the dead-letter queue of the matrix's subscription, through the adapter. */
const onDeadLetterQueue = <A>(
  stack: MatrixStack,
  use: (queue: DeadLetterQueue["Service"]) => Effect.Effect<A, DeadLetterQueueError>,
): Promise<A> =>
  DeadLetterQueue.use(use).pipe(
    Effect.provide(
      ServiceBusDeadLetterQueue.layer({
        connection: connectionString(stack.emulator.connectionString),
        topicName: topic,
        subscriptionName: subscription,
      }),
    ),
    Effect.runPromise,
  )

const countBy = <A>(items: Iterable<A>, key: (item: A) => string): Record<string, number> => {
  const counts: Record<string, number> = {}
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1
  return counts
}

/** Sends messages in batches the topic accepts; a message too large for a batch goes alone. */
export const publish = async (stack: MatrixStack, messages: ReadonlyArray<Sent>): Promise<void> => {
  const sender = stack.client.createSender(topic)
  try {
    let batch = await sender.createMessageBatch()
    for (const { message } of messages) {
      if (batch.tryAddMessage(message)) continue
      if (batch.count > 0) await sender.sendMessages(batch)
      batch = await sender.createMessageBatch()
      if (!batch.tryAddMessage(message)) await sender.sendMessages(message)
    }
    if (batch.count > 0) await sender.sendMessages(batch)
  } finally {
    await sender.close()
  }
}

/**
 * Runs one cell: a fresh worker on a fresh archive container, the messages published, the fault script, then, once
 * every message is settled (the subscription empty, the dead-letter queue holding the cell's bad messages), the
 * exact account of where each message ended up.
 */
export const runCell = async (
  stack: MatrixStack,
  cell: string,
  messages: ReadonlyArray<Sent>,
  fault: (context: CellContext) => Promise<void> = async () => undefined,
  { env = {}, firstWave = messages.length }: CellOptions = {},
): Promise<CellResult> => {
  const startedAt = Date.now()
  const container = `matrix-${cell.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`.slice(0, 63).replace(/-+$/, "")
  await stack.logs.reset()
  await stack.logs.faults.clear()
  const kept: Array<Metrics> = []
  const sawUnready = new Set<string>()
  const workers: Array<WorkerProcess> = []
  let rest: Promise<void> | undefined
  const start = async () => {
    const worker = stack.startWorker(container, env)
    workers.push(worker)
    await waitReady(worker)
    return worker
  }
  const context: CellContext = {
    stack,
    container,
    worker: await start(),
    startWorker: start,
    keepMetrics: async (worker) => {
      kept.push(await scrape(worker))
    },
    workers,
    rowsAtLeast: (count) =>
      until(`${count} Log Analytics rows`, async () => {
        const rows = [
          ...(await stack.logs.rows(ResourcesStream.stream)),
          ...(await stack.logs.rows(AgentLogsStream.stream)),
        ]
        return rows.length >= count
      }),
    unsettled: async (worker) => {
      const metrics = await scrape(worker)
      const settled = ["completed", "dead_lettered", "abandoned"].reduce(
        (n, outcome) => n + metricSum(metrics, `haymaker_messages_${outcome}_total`),
        0,
      )
      return metricSum(metrics, "haymaker_messages_received_total") - settled
    },
    publishRest: () => {
      rest ??= publish(stack, messages.slice(firstWave))
      return rest
    },
  }
  // Readiness as a probe sees it, every 100 ms: outages must show as 503 with their reason.
  let watching = true
  const watcher = (async () => {
    while (watching) {
      const worker = context.worker
      const ops = await Promise.race([worker.ops, sleep(100).then(() => undefined)])
      if (ops !== undefined) {
        const ready = await fetchText(`${ops}/readyz`).catch(() => undefined)
        if (ready !== undefined && ready.status !== 200) sawUnready.add(ready.body.trim())
      }
      await sleep(100)
    }
  })()

  try {
    await publish(stack, messages.slice(0, firstWave))
    await fault(context)
    await context.publishRest()
    const bad = messages.filter((sent) => sent.expect._tag !== "Lands").length
    const ids = new Set(messages.map((sent) => sent.messageId))
    const ourDeadLetters = async () =>
      (await onDeadLetterQueue(stack, (queue) => queue.peek(5_000))).filter((letter) => ids.has(letter.messageId))
    await until(
      `cell ${cell} to settle`,
      async () => (await onSubscription(stack)) === 0 && (await ourDeadLetters()).length >= bad,
    )
    const final = [...kept, await scrape(context.worker)]
    watching = false
    await watcher

    const lines = await archiveLines(stack, container)
    const rows = [
      ...(await stack.logs.rows(ResourcesStream.stream)),
      ...(await stack.logs.rows(AgentLogsStream.stream)),
    ]
    const deadLetters = await ourDeadLetters()
    const linesByProbe = new Map<unknown, Array<ArchiveLine>>()
    for (const line of lines) linesByProbe.set(line.probe, [...(linesByProbe.get(line.probe) ?? []), line])
    const rowsBySequence = new Map<string, number>()
    for (const row of rows) {
      const key = String(row.sequence_number)
      rowsBySequence.set(key, (rowsBySequence.get(key) ?? 0) + 1)
    }
    const lettersById = countBy(deadLetters, (letter) => letter.messageId)

    // Deliveries per message id, as the receivers logged them ("Received message <id> (<type>)").
    const deliveries = new Map<string, number>()
    for (const worker of workers) {
      for (const match of worker.output().matchAll(/"message":"Received message (\S+) \(/g)) {
        const id = match[1] ?? ""
        deliveries.set(id, (deliveries.get(id) ?? 0) + 1)
      }
    }
    const copiesById = { logAnalytics: new Map<string, number>(), archive: new Map<string, number>() }
    const sentById = new Map<string, number>()
    let lost = 0
    let wrongly = 0
    let misrendered = 0
    const duplicated = { logAnalytics: 0, archive: 0 }
    let accountedLines = 0
    let accountedRows = 0
    for (const sent of messages) {
      const copies = sent.probe === undefined ? [] : (linesByProbe.get(sent.probe) ?? [])
      const sequences = new Set(copies.map((line) => line.sequenceNumber))
      const rowCopies = [...sequences].reduce((n, sequence) => n + (rowsBySequence.get(sequence) ?? 0), 0)
      misrendered += copies.filter((line) => line.messageId !== sent.messageId).length
      accountedLines += copies.length
      accountedRows += rowCopies
      sentById.set(sent.messageId, (sentById.get(sent.messageId) ?? 0) + 1)
      copiesById.archive.set(sent.messageId, (copiesById.archive.get(sent.messageId) ?? 0) + copies.length)
      copiesById.logAnalytics.set(sent.messageId, (copiesById.logAnalytics.get(sent.messageId) ?? 0) + rowCopies)
      duplicated.archive += Math.max(0, copies.length - 1)
      duplicated.logAnalytics += Math.max(0, rowCopies - 1)
      const letters = deadLetters.filter((letter) => letter.messageId === sent.messageId)
      switch (sent.expect._tag) {
        case "Lands":
          if (copies.length === 0 || (sent.expect.row ? rowCopies === 0 : rowCopies > 0)) lost++
          wrongly += letters.length
          break
        case "DeadLettered":
        case "Refused": {
          const reason = sent.expect.reason
          if (letters.length !== 1 || letters[0]?.reason !== reason) wrongly++
          if (sent.expect._tag === "Refused" ? copies.length === 0 || rowCopies > 0 : copies.length > 0) lost++
          break
        }
      }
    }
    // Lines or rows no sent message explains are copies too.
    duplicated.archive += lines.length - accountedLines
    duplicated.logAnalytics += rows.length - accountedRows
    const metric = (name: string, labels = "") => final.reduce((n, metrics) => n + metricSum(metrics, name, labels), 0)
    // Each delivery may write a message once to each sink; a retried write may add one more copy per record retried.
    const beyondDeliveries = (copies: ReadonlyMap<string, number>) => {
      let excess = 0
      for (const [id, count] of copies) {
        excess += Math.max(0, count - Math.max(deliveries.get(id) ?? 0, sentById.get(id) ?? 0))
      }
      return excess
    }
    const retried = {
      logAnalytics: metric("haymaker_sink_records_retried_total", 'sink="LogAnalytics"'),
      archive: metric("haymaker_sink_records_retried_total", 'sink="Archive"'),
    }
    const reasons = Object.keys(countBy(deadLetters, (letter) => letter.reason ?? ""))
    const result: CellResult = {
      cell,
      messages: messages.length,
      lost,
      duplicated,
      deadLetteredWrongly: wrongly + Object.values(lettersById).filter((count) => count > 1).length,
      misrenderedIds: misrendered,
      redelivered: metric("haymaker_messages_redelivered_total"),
      mostDeliveries: Math.max(0, ...deliveries.values()),
      unexplained: {
        logAnalytics:
          Math.max(0, beyondDeliveries(copiesById.logAnalytics) - retried.logAnalytics) + (rows.length - accountedRows),
        archive: Math.max(0, beyondDeliveries(copiesById.archive) - retried.archive) + (lines.length - accountedLines),
      },
      retried,
      deadLetters: countBy(deadLetters, (letter) => letter.reason ?? ""),
      metricsDeadLetters: Object.fromEntries(
        reasons.map((reason) => [reason, metric("haymaker_messages_dead_lettered_total", `reason="${reason}"`)]),
      ),
      sawUnready: [...sawUnready],
      seconds: Math.round((Date.now() - startedAt) / 1000),
    }
    console.info(
      `fault matrix | ${cell} | ${result.messages} messages | lost ${result.lost} | duplicated ${duplicated.logAnalytics} rows, ${duplicated.archive} lines (redelivered ${result.redelivered}, at most ${result.mostDeliveries} deliveries, retried ${result.retried.logAnalytics}/${result.retried.archive}, unexplained ${result.unexplained.logAnalytics}/${result.unexplained.archive}) | dead-lettered wrongly ${result.deadLetteredWrongly} | dead letters ${JSON.stringify(result.deadLetters)} | ${result.seconds} s`,
    )
    return result
  } finally {
    watching = false
    await watcher
    const worker = context.worker
    worker.child.kill("SIGTERM")
    await Promise.race([worker.exited, sleep(20_000).then(() => worker.child.kill("SIGKILL"))])
    await onDeadLetterQueue(stack, (queue) => queue.purge(100_000)).catch(() => undefined)
  }
}

/** The expected dead letters of a cell, by reason. */
export const expectedDeadLetters = (messages: ReadonlyArray<Sent>): Record<string, number> =>
  countBy(
    messages.filter((sent) => sent.expect._tag !== "Lands"),
    (sent) => (sent.expect._tag === "Lands" ? "" : sent.expect.reason),
  )

export { renderMessageId }
