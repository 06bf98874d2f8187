/**
 * `pnpm bench`: the adapters against the raw SDK doing the same work, through one in-process emulator, in one run.
 *
 * - publish: `EventBusClient` (concurrent `publish`, batches of 100) and `publishEvent` per awaited event, against the
 *   SDK sending `createMessageBatch`/`tryAddMessage` batches of 100 one after another;
 * - consume: the `EventSubscription` layer (peek-lock, 16 held, complete each) against the SDK's streaming receiver
 *   doing peek-lock receive + `completeMessage` with the same concurrency.
 *
 * Prints a table and writes the `## @haymaker/adapters-servicebus` section of the root BENCHMARKS.md (pass
 * `--no-write` to only print).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { availableParallelism, cpus } from "node:os"
import { ServiceBusClient, type ServiceBusMessage } from "@azure/service-bus"
import { EventSubscription } from "@haymaker/domain"
import { startEmulator } from "@haymaker/servicebus-emulator"
import { Effect, Stream } from "effect"
import { closeAll, connectionString, EventBusClient, publishEvent, ServiceBusEventSubscription } from "../src/index.ts"

const EVENTS = 5_000
const PER_EVENT = 500
const RUNS = 5
const CONCURRENCY = 16

const event = (i: number) => ({
  event_type: "resource_created",
  resource_id: `/subscriptions/sub1/resourceGroups/rg-${i % 50}/providers/Microsoft.Compute/virtualMachines/vm${i}`,
  resource_type: "Microsoft.Compute/virtualMachines",
  resource_name: `vm${i}`,
  scenario_name: "compute-scenario",
  run_id: `run-${Math.floor(i / 500)}`,
  timestamp: new Date(Date.UTC(2024, 10, 14, 12) + i * 1000).toISOString(),
  tags: { env: "bench", index: String(i) },
})
const events = Array.from({ length: EVENTS }, (_, i) => event(i))

const topics = ["raw-batch", "client-batch", "per-event", "consume-raw", "consume-adapter"]
const emulator = await startEmulator({
  config: {
    UserConfig: {
      Namespaces: [
        {
          Name: "sbemulatorns",
          Queues: [],
          Topics: topics.map((name) => ({
            Name: name,
            Properties: {},
            Subscriptions: [
              { Name: "bench-sub", Properties: { LockDuration: "PT1M", MaxDeliveryCount: 10 }, Rules: [] },
            ],
          })),
        },
      ],
      Logging: { Type: "Console" },
    },
  },
  port: 0,
})
const cs = emulator.connectionString
const sdk = new ServiceBusClient(cs)

const rawMessage = (e: (typeof events)[number]): ServiceBusMessage => ({
  body: e,
  contentType: "application/json",
  subject: e.event_type,
  applicationProperties: { event_type: e.event_type, run_id: e.run_id, scenario_name: e.scenario_name },
})

const rawBatchSend = async (topic: string, items: ReadonlyArray<(typeof events)[number]>) => {
  const sender = sdk.createSender(topic)
  let batch = await sender.createMessageBatch()
  for (const item of items) {
    if (batch.count < 100 && batch.tryAddMessage(rawMessage(item))) continue
    await sender.sendMessages(batch)
    batch = await sender.createMessageBatch()
    batch.tryAddMessage(rawMessage(item))
  }
  if (batch.count > 0) await sender.sendMessages(batch)
  await sender.close()
}

// Empties a subscription between runs so each run starts from the same state.
const purge = async (topic: string) => {
  const receiver = sdk.createReceiver(topic, "bench-sub", { receiveMode: "receiveAndDelete" })
  while ((await receiver.receiveMessages(1_000, { maxWaitTimeInMs: 200 })).length > 0) {}
  await receiver.close()
}

const timed = async (work: () => Promise<void>): Promise<number> => {
  const start = performance.now()
  await work()
  return performance.now() - start
}

const scenarios = {
  rawBatch: async () => {
    const ms = await timed(() => rawBatchSend("raw-batch", events))
    await purge("raw-batch")
    return EVENTS / (ms / 1000)
  },
  clientBatch: async () => {
    const ms = await timed(async () => {
      const client = new EventBusClient({ connectionString: cs, topicName: "client-batch", batchSize: 100 })
      await Promise.all(events.map((e) => client.publish(e)))
      await client.close()
    })
    await purge("client-batch")
    return EVENTS / (ms / 1000)
  },
  perEvent: async () => {
    const ms = await timed(async () => {
      for (const e of events.slice(0, PER_EVENT)) await publishEvent(cs, "per-event", e)
    })
    await closeAll()
    await purge("per-event")
    return PER_EVENT / (ms / 1000)
  },
  consumeRaw: async () => {
    await rawBatchSend("consume-raw", events)
    const ms = await timed(async () => {
      const receiver = sdk.createReceiver("consume-raw", "bench-sub", { skipParsingBodyAsJson: true })
      let done = 0
      await new Promise<void>((resolve, reject) => {
        receiver.subscribe(
          {
            processMessage: async (message) => {
              await receiver.completeMessage(message)
              if (++done === EVENTS) resolve()
            },
            processError: async (args) => reject(args.error),
          },
          { autoCompleteMessages: false, maxConcurrentCalls: CONCURRENCY },
        )
      })
      await receiver.close()
    })
    return EVENTS / (ms / 1000)
  },
  consumeAdapter: async () => {
    await rawBatchSend("consume-adapter", events)
    const layer = ServiceBusEventSubscription.layer({
      connection: connectionString(cs),
      topicName: "consume-adapter",
      subscriptionName: "bench-sub",
      concurrency: CONCURRENCY,
      watchdog: false,
    })
    const ms = await timed(() =>
      Effect.gen(function* () {
        const { messages } = yield* EventSubscription
        yield* messages.pipe(
          Stream.mapEffect((message) => message.complete, { concurrency: CONCURRENCY }),
          Stream.take(EVENTS),
          Stream.runDrain,
        )
      }).pipe(Effect.provide(layer), Effect.runPromise),
    )
    return EVENTS / (ms / 1000)
  },
}

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

const results: Record<keyof typeof scenarios, Array<number>> = {
  rawBatch: [],
  clientBatch: [],
  perEvent: [],
  consumeRaw: [],
  consumeAdapter: [],
}
// Warm-up: connections, links and JIT, not measured.
for (const run of [scenarios.rawBatch, scenarios.clientBatch, scenarios.consumeRaw, scenarios.consumeAdapter])
  await run()
// Interleaved so drift on a shared machine hits every scenario alike.
for (let i = 0; i < RUNS; i++) {
  for (const name of Object.keys(scenarios) as Array<keyof typeof scenarios>) {
    results[name].push(await scenarios[name]())
  }
}
await sdk.close()
await emulator.close()

const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)])) as Record<
  keyof typeof scenarios,
  number
>
const fmt = (n: number) => Math.round(n).toLocaleString("en-US")
const pct = (n: number) => `${(n * 100).toFixed(0)}%`
const publishRatio = m.clientBatch / m.rawBatch
const consumeRatio = m.consumeAdapter / m.consumeRaw

const section = `## @haymaker/adapters-servicebus

Through one in-process \`@haymaker/servicebus-emulator\` (AMQP on 127.0.0.1), ${fmt(EVENTS)} resource events of about
400 bytes of JSON per run, median of ${RUNS} interleaved runs after a warm-up. Machine: ${availableParallelism()} cores
(${cpus()[0]?.model.trim() ?? "unknown CPU"}), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}. The
emulator shares the process (and the cores) with the clients, so absolute rates are low; the ratios are what counts.

| scenario | events/s (median) | vs raw SDK |
|---|---:|---:|
| raw SDK: \`createMessageBatch\` + \`tryAddMessage\` batches of 100, sent one after another (baseline) | ${fmt(m.rawBatch)} | 100% |
| \`EventBusClient\`: ${fmt(EVENTS)} concurrent \`publish\` calls, \`batchSize\` 100, then \`close()\` | ${fmt(m.clientBatch)} | ${pct(publishRatio)} |
| \`publishEvent\` per event, each awaited (${fmt(PER_EVENT)} events; cached connection) | ${fmt(m.perEvent)} | ${pct(m.perEvent / m.rawBatch)} |
| raw SDK: streaming peek-lock receive + \`completeMessage\`, ${CONCURRENCY} concurrent (baseline) | ${fmt(m.consumeRaw)} | 100% |
| \`EventSubscription\` layer: \`messages\` stream, ${CONCURRENCY} held, \`complete\` each | ${fmt(m.consumeAdapter)} | ${pct(consumeRatio)} |

Floors: batched publish at least 90% of the raw SDK batch rate (${publishRatio >= 0.9 ? "met" : "NOT met"}: ${pct(publishRatio)});
consumption at least 80% of the raw SDK rate (${consumeRatio >= 0.8 ? "met" : "NOT met"}: ${pct(consumeRatio)}). Run with
\`pnpm --filter @haymaker/adapters-servicebus bench\`.
`

console.log(section)
console.log("all runs (events/s):", JSON.stringify(results))

if (!process.argv.includes("--no-write")) {
  const file = new URL("../../../BENCHMARKS.md", import.meta.url)
  const current = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n"
  const heading = "## @haymaker/adapters-servicebus"
  const start = current.indexOf(heading)
  let next: string
  if (start === -1) next = `${current.trimEnd()}\n\n${section}`
  else {
    const after = current.indexOf("\n## ", start + heading.length)
    next = `${current.slice(0, start)}${section}${after === -1 ? "" : current.slice(after)}`
  }
  writeFileSync(file, next)
}
