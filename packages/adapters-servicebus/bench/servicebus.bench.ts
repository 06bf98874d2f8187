/**
 * `pnpm bench`: the adapters against the raw SDK doing the same work, in one process, through one emulator.
 *
 * - publish: `EventBusClient` (concurrent `publish`, batches of 100, then `close()`) against the raw SDK doing the
 *   same job: its own client, `createMessageBatch`/`tryAddMessage` batches of 100 sent one after another, then
 *   close. Same events, same wire messages (body, properties, a 32-character message id), same count.
 *   `publishEvent` per awaited event, and the raw SDK with two sends in flight, are shown for reference;
 * - consume: the `EventSubscription` layer (peek-lock, 16 held, complete each) against the SDK's streaming receiver
 *   doing peek-lock receive + `completeMessage` with the same concurrency, each on a subscription preloaded with the
 *   same messages (the preload is not timed).
 *
 * The emulator runs in a child process (`--in-process` keeps it in this one), like a real broker, so the CPU time
 * this process spends per event is the client side's alone. Each round runs every scenario once, the baseline and
 * the adapter next to each other in alternating order, so load from other processes on a shared machine hits both
 * alike; the ratios are the median of the per-round ratios.
 *
 * Prints a table; with `--write` it also writes the `## @haymaker/adapters-servicebus` section of the root
 * BENCHMARKS.md. `--runs N` and `--events N` change the work.
 */
import { spawn } from "node:child_process"
import { availableParallelism, cpus, loadavg } from "node:os"
import { createInterface } from "node:readline"
import { ServiceBusClient } from "@azure/service-bus"
import { EventSubscription } from "@haymaker/domain"
import { startEmulator } from "@haymaker/servicebus-emulator"
import { Effect, Stream } from "effect"
import { writeRequested } from "../../../scripts/benchmarks.ts"
import { closeAll, connectionString, EventBusClient, publishEvent, ServiceBusEventSubscription } from "../src/index.ts"
import { writeSection } from "./benchmarksFile.ts"
import { type BenchEvent, benchConfig, benchEvent, rawBatchSend } from "./workload.ts"

const argument = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(name)
  const value = index === -1 ? undefined : Number(process.argv[index + 1])
  return value === undefined || !Number.isFinite(value) ? fallback : value
}
const EVENTS = argument("--events", 5_000)
const RUNS = argument("--runs", 11)
const PER_EVENT = Math.min(500, EVENTS)
const BATCH = 100
const CONCURRENCY = 16
const inProcess = process.argv.includes("--in-process")

const events = Array.from({ length: EVENTS }, (_, i) => benchEvent(i))
const topics = ["raw-batch", "raw-pipelined", "client-batch", "per-event", "consume-raw", "consume-adapter"]

const startBroker = async (): Promise<{ connectionString: string; close: () => Promise<void> }> => {
  if (inProcess) {
    const emulator = await startEmulator({ config: benchConfig(topics), port: 0 })
    return { connectionString: emulator.connectionString, close: () => emulator.close() }
  }
  const child = spawn(process.execPath, [new URL("./emulatorProcess.ts", import.meta.url).pathname, topics.join(",")], {
    stdio: ["pipe", "pipe", "inherit"],
  })
  const lines = createInterface({ input: child.stdout })
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve)
    child.once("exit", (code) => reject(new Error(`the emulator process exited (${code}) before listening`)))
  })
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  return {
    connectionString: (JSON.parse(first) as { connectionString: string }).connectionString,
    close: async () => {
      child.stdin.end()
      await exited
    },
  }
}

const broker = await startBroker()
const cs = broker.connectionString
const sdk = new ServiceBusClient(cs)

// Empties a subscription between runs so each run starts from the same state.
const purge = async (topic: string) => {
  const receiver = sdk.createReceiver(topic, "bench-sub", { receiveMode: "receiveAndDelete" })
  while ((await receiver.receiveMessages(1_000, { maxWaitTimeInMs: 200 })).length > 0) {}
  await receiver.close()
}

const preload = (topic: string) => rawBatchSend(cs, topic, events, { batchSize: BATCH, inFlight: 1 })

interface Sample {
  /** Events per second of wall-clock time, client opened and closed included. */
  readonly rate: number
  /** Microseconds of this process's CPU time per event. */
  readonly cpuPerEvent: number
  /** Consumers only: events per second from the first message received to the last one settled. */
  readonly steadyRate: number
}

/** When a consumer got its first message and settled its last one (`performance.now()`). */
interface Span {
  first: number
  last: number
}

const measure = async (count: number, work: (span: Span) => Promise<void>): Promise<Sample> => {
  const span: Span = { first: Number.NaN, last: Number.NaN }
  const cpu = process.cpuUsage()
  const start = performance.now()
  await work(span)
  const ms = performance.now() - start
  const used = process.cpuUsage(cpu)
  return {
    rate: count / (ms / 1000),
    cpuPerEvent: (used.user + used.system) / count,
    steadyRate: (count - 1) / ((span.last - span.first) / 1000),
  }
}

// Its own client, as the layer has: the connection (and its authorization) is part of the work on both sides.
const consumeRaw = async (span: Span) => {
  const client = new ServiceBusClient(cs)
  const receiver = client.createReceiver("consume-raw", "bench-sub", { skipParsingBodyAsJson: true })
  let done = 0
  await new Promise<void>((resolve, reject) => {
    receiver.subscribe(
      {
        processMessage: async (message) => {
          if (done === 0 && Number.isNaN(span.first)) span.first = performance.now()
          await receiver.completeMessage(message)
          if (++done === EVENTS) {
            span.last = performance.now()
            resolve()
          }
        },
        processError: async (args) => reject(args.error),
      },
      { autoCompleteMessages: false, maxConcurrentCalls: CONCURRENCY },
    )
  })
  await receiver.close()
  await client.close()
}

const consumeAdapter = (span: Span) =>
  Effect.gen(function* () {
    const { messages } = yield* EventSubscription
    // The subscription already holds at most CONCURRENCY messages (the broker sends more only as they are settled),
    // so the stream needs no second bound; unordered settles them as they come, like the SDK's concurrent calls.
    let done = 0
    yield* messages.pipe(
      Stream.mapEffect(
        (message) => {
          if (Number.isNaN(span.first)) span.first = performance.now()
          return Effect.map(message.complete, () => {
            if (++done === EVENTS) span.last = performance.now()
          })
        },
        { concurrency: "unbounded", unordered: true },
      ),
      Stream.take(EVENTS),
      Stream.runDrain,
    )
  }).pipe(
    Effect.provide(
      ServiceBusEventSubscription.layer({
        connection: connectionString(cs),
        topicName: "consume-adapter",
        subscriptionName: "bench-sub",
        concurrency: CONCURRENCY,
        watchdog: false,
      }),
    ),
    Effect.runPromise,
  )

const scenarios = {
  rawBatch: async () => {
    const sample = await measure(EVENTS, () => rawBatchSend(cs, "raw-batch", events, { batchSize: BATCH, inFlight: 1 }))
    await purge("raw-batch")
    return sample
  },
  rawPipelined: async () => {
    const sample = await measure(EVENTS, () =>
      rawBatchSend(cs, "raw-pipelined", events, { batchSize: BATCH, inFlight: 2 }),
    )
    await purge("raw-pipelined")
    return sample
  },
  clientBatch: async () => {
    const sample = await measure(EVENTS, async () => {
      const client = new EventBusClient({ connectionString: cs, topicName: "client-batch", batchSize: BATCH })
      await Promise.all(events.map((event: BenchEvent) => client.publish(event)))
      await client.close()
    })
    await purge("client-batch")
    return sample
  },
  perEvent: async () => {
    const sample = await measure(PER_EVENT, async () => {
      for (const event of events.slice(0, PER_EVENT)) await publishEvent(cs, "per-event", event)
    })
    await closeAll()
    await purge("per-event")
    return sample
  },
  consumeRaw: async () => {
    await preload("consume-raw")
    return measure(EVENTS, consumeRaw)
  },
  consumeAdapter: async () => {
    await preload("consume-adapter")
    return measure(EVENTS, consumeAdapter)
  },
}
type Scenario = keyof typeof scenarios

const samples = Object.fromEntries(Object.keys(scenarios).map((name) => [name, [] as Array<Sample>])) as Record<
  Scenario,
  Array<Sample>
>

// Warm-up: JIT, and the emulator's first links; not measured.
for (const run of Object.values(scenarios)) await run()
for (let round = 0; round < RUNS; round++) {
  // Pairs run back to back, in alternating order, so drift in the machine's load hits baseline and adapter alike.
  const pairs: Array<[Scenario, Scenario]> = [
    ["rawBatch", "clientBatch"],
    ["consumeRaw", "consumeAdapter"],
  ]
  for (const [baseline, adapter] of pairs) {
    const order = round % 2 === 0 ? [baseline, adapter] : [adapter, baseline]
    for (const name of order) samples[name].push(await scenarios[name]())
  }
  samples.rawPipelined.push(await scenarios.rawPipelined())
  samples.perEvent.push(await scenarios.perEvent())
  process.stderr.write(`round ${round + 1}/${RUNS} done\n`)
}
await sdk.close()
await broker.close()

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}
const rate = (name: Scenario) => median(samples[name].map((s) => s.rate))
const cpu = (name: Scenario) => median(samples[name].map((s) => s.cpuPerEvent))
/** Median of the per-round ratios of two scenarios' rates. */
const pairedRatio = (adapter: Scenario, baseline: Scenario) =>
  median(samples[adapter].map((s, i) => s.rate / (samples[baseline][i]?.rate ?? Number.NaN)))

/** The per-round ratios of two scenarios' rates, sorted, e.g. "0.91 0.97 1.02". */
const ratios = (adapter: Scenario, baseline: Scenario) =>
  samples[adapter]
    .map((s, i) => s.rate / (samples[baseline][i]?.rate ?? Number.NaN))
    .sort((a, b) => a - b)
    .map((r) => r.toFixed(2))
    .join(" ")
const fmt = (n: number) => Math.round(n).toLocaleString("en-US")
const pct = (n: number) => `${(n * 100).toFixed(0)}%`
const steady = (name: Scenario) => median(samples[name].map((s) => s.steadyRate))
const steadyRatio = median(
  samples.consumeAdapter.map((s, i) => s.steadyRate / (samples.consumeRaw[i]?.steadyRate ?? Number.NaN)),
)
const publishRatio = pairedRatio("clientBatch", "rawBatch")
const consumeRatio = pairedRatio("consumeAdapter", "consumeRaw")
const row = (label: string, name: Scenario, baseline: Scenario | undefined) =>
  `| ${label} | ${fmt(rate(name))} | ${baseline === undefined ? "100%" : pct(pairedRatio(name, baseline))} | ${cpu(name).toFixed(0)} |`

const placements = ["### Broker in a child process (the default)", "### Broker in the bench's process (`--in-process`)"]
const title = inProcess ? (placements[1] as string) : (placements[0] as string)

const intro = `Each run publishes or consumes ${fmt(EVENTS)} resource events of about 400 bytes of JSON through
\`@haymaker/servicebus-emulator\` (AMQP on 127.0.0.1), with the adapter and with the raw \`@azure/service-bus\` SDK
doing the same work in the same process: same events, same wire messages (JSON body, content type, subject, three
application properties, a 32-character message id), same batch size (${BATCH}), same concurrency (${CONCURRENCY}),
and on both sides a client (AMQP connection) opened and closed inside the timed run. Each round runs every scenario
once, baseline and adapter back to back in alternating order; the tables give the median of the rounds, and "vs
baseline" is the median of the per-round ratios, which cancels most of the drift of a machine shared with other work.
"process CPU" is the bench process's CPU time per event: the clients' alone with the broker in a child process,
clients and broker together with \`--in-process\`.

Earlier numbers (62–76% for batched publish) timed \`EventBusClient\` opening its own connection against a raw
baseline that reused an open one and sent messages without a message id, and built every message up front. The
adapter now snapshots each event as JSON at \`publish\`, builds the message when its batch is packed, into an SDK
batch created ahead of time, and keeps two batches in flight on the sender link (\`maxInFlightBatches\`, default 2;
\`1\` for strict order even when the SDK retries a send, see the package README). Consumption no longer builds
three settle effects, a \`DateTime\` and a \`bigint\` per message, nor a timer per message.

Where the consumer's time went at 74% (profiles of both sides with \`node --cpu-prof\`, split by run): the SDK's own
lock renewal, which starts a timer per message and formats two dates for a log line on every delivery, costs the raw
SDK 3 to 7 of its 35 to 39 µs of CPU per message (three A/B runs in one process; without it the raw side ran 8 to 24%
faster). The adapter turns it off and renews held locks from the sweep it runs anyway for give-up times (every
500 ms; like the SDK, when half the lock, at most 10 s, is left, for \`maxAutoLockRenewal\`, 5 minutes by default);
the baseline keeps the SDK's renewal, so both sides keep locks for 5 minutes. The peek that validated the
subscription at every stream start (a management link's authorization, attach and request before the receiver's:
about 50 ms before the first message, and about 8 ms of CPU) now runs only when no message came within a second: a
delivery proves the namespace, the credential and the entity. What is left, about 10 µs of CPU per message more than
the raw SDK: the Effect runtime, about 7 µs in the profiles, most of it the consumer's own stream (\`mapEffect\`
forks a fiber per message, which suspends until the broker acknowledges the settlement and then hands its result to
the next stage), and the garbage collection of what it allocates; the adapter's own code (the message object, the
held set, the gate) about 1 µs. The bounded form \`{ concurrency: ${CONCURRENCY} }\` measured about 70% in separate
runs, against about 85% for \`{ concurrency: "unbounded", unordered: true }\`, which the tables use (the subscription
already bounds the messages in hand). Every settlement passes the adapter's \`SettlementGate\` (different outcomes
never share a turn: docs/rhea-disposition-ranges.md); completions pass it at once, without a timer, and the consume
rows include that cost. Since issue 15 the port and the Promise API settle through one object per message (its settle
effect straight on the SDK's promise), the check that frees the slot of a message whose lock is gone runs on
Effect's \`Clock\`, and \`EventBusClient\` lives in a \`ManagedRuntime\` of its own, built synchronously in the
first \`publish\`'s turn.`

const body = `${RUNS} rounds after a warm-up. Machine: ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? "unknown CPU"}),
shared with other work (1-minute load average ${loadavg()[0]?.toFixed(1)} at the end); Node ${process.version}; ${new Date().toISOString().slice(0, 10)}.

| scenario | events/s (median) | vs baseline | process CPU µs/event |
|---|---:|---:|---:|
${row("raw SDK: own client, `createMessageBatch` + `tryAddMessage` batches, one send at a time, close (baseline)", "rawBatch", undefined)}
${row(`\`EventBusClient\`: ${fmt(EVENTS)} concurrent \`publish\` calls, \`batchSize\` ${BATCH}, then \`close()\``, "clientBatch", "rawBatch")}
${row("raw SDK as the baseline, but two sends in flight (for reference)", "rawPipelined", "rawBatch")}
${row(`\`publishEvent\` per event, each awaited (${fmt(PER_EVENT)} events; cached connection; for reference)`, "perEvent", "rawBatch")}
${row(`raw SDK: own client, streaming peek-lock receive + \`completeMessage\`, ${CONCURRENCY} concurrent calls (baseline)`, "consumeRaw", undefined)}
${row(`\`EventSubscription\` layer: \`messages\` stream, ${CONCURRENCY} held, \`complete\` each (\`mapEffect\`, unordered)`, "consumeAdapter", "consumeRaw")}

Floors: batched publish at least 90% of the raw SDK batch rate (${publishRatio >= 0.9 ? "met" : "NOT met"}: ${pct(publishRatio)});
consumption at least 80% of the raw SDK rate (${consumeRatio >= 0.8 ? "met" : "NOT met"}: ${pct(consumeRatio)}).
Per-round ratios: publish ${ratios("clientBatch", "rawBatch")}; consume ${ratios("consumeAdapter", "consumeRaw")}.
Consumption from the first message received to the last one settled, leaving out each run's start and close: raw SDK ${fmt(steady("consumeRaw"))}
events/s, \`EventSubscription\` ${fmt(steady("consumeAdapter"))} events/s, ${pct(steadyRatio)} (median of the per-round ratios).
Run with \`./dev --filter @haymaker/adapters-servicebus bench\` (\`--runs N --events N --in-process\`; \`--write\` records it here).`

console.log(`${title}\n\n${body}`)
console.log(
  "all runs (events/s):",
  JSON.stringify(
    Object.fromEntries(Object.entries(samples).map(([name, list]) => [name, list.map((s) => Math.round(s.rate))])),
  ),
)

if (writeRequested()) writeSection(intro, { title, body }, placements)
