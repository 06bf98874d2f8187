import { mkdtempSync, writeFileSync } from "node:fs"
import { cpus, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { ServiceBusClient, type ServiceBusMessage, type ServiceBusSender } from "@azure/service-bus"
import { AmqpPayload } from "../src/amqp/AmqpPayload.ts"
import { messageHelpers } from "../src/amqp/rheaTypes.ts"
import { Broker } from "../src/broker/Broker.ts"
import type { TopicEntity } from "../src/broker/entities.ts"
import { correlationFilter, type Filter, sqlFilter } from "../src/broker/filters.ts"
import type { ConfigJson, RuleJson } from "../src/config/ConfigJson.ts"
import { parseConfig } from "../src/index.ts"
import { createLogger } from "../src/log.ts"
import { cpuSeconds, startEmulatorProcess } from "./emulatorProcess.ts"
import { report, runBench } from "./report.ts"

/**
 * SQL filters, measured two ways against baselines run in the same process:
 * 1. filter evaluations per second on decoded AMQP messages, SQL filters against correlation filters that select
 *    the same messages (each message decoded once per pass, as a topic does for all its subscriptions);
 * 2. fan-out of one topic with 50 subscriptions: SQL subscriptions against correlation subscriptions selecting the
 *    same messages, and against 50 `1=1` subscriptions (every subscription takes every message: the most enqueue
 *    work); through `@azure/service-bus` with the emulator in its own process (the CLI, as users run it; batched
 *    sends, four in flight), and in the broker alone (decoded messages handed to the broker in this process: the emulator's own
 *    cost). The floor: 50 SQL subscriptions still fan out at least 5,000 msg/s.
 */
const runs = Number(process.env.BENCH_RUNS ?? 5)
const fanOutMessages = Number(process.env.BENCH_MESSAGES ?? 10_000)
const evaluationMessages = 20_000
const subscriptionCount = 50

const eventTypes = [
  "resource_created",
  "resource_deleted",
  "resource_deletion_failed",
  "agent_started",
  "operation",
  "cleanup_complete",
  "error",
  "scenario_started",
  "scenario_completed",
  "heartbeat",
]
const severities = ["info", "warning", "error", "debug", "critical"]

/** Subscription i takes one event type and one severity: each message matches exactly one subscription. */
const selection = (i: number) => ({
  eventType: eventTypes[i % eventTypes.length] as string,
  severity: severities[Math.floor(i / eventTypes.length) % severities.length] as string,
})

/**
 * The SQL filters select the same messages as the correlation ones, with the work of a realistic rule: an IN list,
 * a LIKE on a system property, arithmetic and a comparison that hold for every message of the run.
 */
const sqlExpression = (i: number): string => {
  const { eventType, severity } = selection(i)
  return (
    `event_type = '${eventType}' AND severity IN ('${severity}', 'unused') AND sys.Label LIKE 'agent-%' ` +
    "AND duration_ms / 1000 < 3600 AND NOT run_id IS NULL"
  )
}

const message = (n: number): ServiceBusMessage => {
  const eventType = eventTypes[n % eventTypes.length] as string
  const severity = severities[Math.floor(n / eventTypes.length) % severities.length] as string
  return {
    messageId: `m-${n}`,
    subject: `agent-${n % 7}`,
    contentType: "application/json",
    body: { event_type: eventType, severity, padding: "x".repeat(300) },
    applicationProperties: {
      event_type: eventType,
      severity,
      run_id: `run-${n % 3}`,
      scenario_name: "vm-lifecycle",
      duration_ms: (n * 37) % 10_000,
    },
  }
}

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

const format = (n: number) => Math.round(n).toLocaleString("en-US")

// ---------- 1. evaluations per second ----------

const encoded = Array.from({ length: evaluationMessages }, (_, n) => {
  const m = message(n)
  return messageHelpers.encode({
    message_id: m.messageId,
    subject: m.subject,
    content_type: m.contentType,
    application_properties: m.applicationProperties,
    body: JSON.stringify(m.body),
  })
})

const sqlFilters: Array<Filter> = Array.from({ length: subscriptionCount }, (_, i) =>
  sqlFilter({ type: "sql", expression: sqlExpression(i), parameters: {} }),
)
const correlationFilters: Array<Filter> = Array.from({ length: subscriptionCount }, (_, i) => {
  const { eventType, severity } = selection(i)
  return correlationFilter({ type: "correlation", properties: { event_type: eventType, severity } })
})

/** Decodes every message afresh (its filter view is built on first use) and runs all filters on it. */
const evaluationRate = (filters: ReadonlyArray<Filter>): { rate: number; matches: number } => {
  let matches = 0
  const start = performance.now()
  for (const bytes of encoded) {
    const payload = AmqpPayload.decode(bytes)
    for (const filter of filters) if (filter.matches(payload)) matches++
  }
  const seconds = (performance.now() - start) / 1000
  return { rate: (encoded.length * filters.length) / seconds, matches }
}

// ---------- 2. fan-out through the SDK ----------

type Scenario = "sql" | "correlation" | "true"

const rulesOf = (scenario: Scenario, i: number): ReadonlyArray<RuleJson> => {
  if (scenario === "true") return []
  if (scenario === "sql") {
    return [{ Name: "r", Properties: { FilterType: "Sql", SqlFilter: { SqlExpression: sqlExpression(i) } } }]
  }
  const { eventType, severity } = selection(i)
  return [
    {
      Name: "r",
      Properties: {
        FilterType: "Correlation",
        CorrelationFilter: { Properties: { event_type: eventType, severity } },
      },
    },
  ]
}

/** Batches of up to 256 KB, `inFlight` of them sent at a time (the broker, not one round trip, sets the pace). */
const inFlight = 4

const sendBatched = async (sender: ServiceBusSender, messages: ReadonlyArray<ServiceBusMessage>): Promise<void> => {
  let next = 0
  const sendNext = async (): Promise<void> => {
    while (next < messages.length) {
      const batch = await sender.createMessageBatch()
      while (next < messages.length && batch.tryAddMessage(messages[next] as ServiceBusMessage)) next++
      // Another sender may have taken the last messages while this one waited for its batch.
      if (batch.count > 0) await sender.sendMessages(batch)
    }
  }
  await Promise.all(Array.from({ length: inFlight }, sendNext))
}

const configOf = (scenario: Scenario): ConfigJson => ({
  UserConfig: {
    Namespaces: [
      {
        Name: "sbemulatorns",
        Topics: [
          {
            Name: "agent-logs",
            Subscriptions: Array.from({ length: subscriptionCount }, (_, i) => {
              const rules = rulesOf(scenario, i)
              return rules.length === 0 ? { Name: `s${i}` } : { Name: `s${i}`, Rules: rules }
            }),
          },
        ],
      },
    ],
  },
})

const copiesPerMessage = (scenario: Scenario) => (scenario === "true" ? subscriptionCount : 1)

/** The broker alone: each message decoded from its bytes (as the AMQP layer does) and handed to the topic. */
const brokerFanOutRate = (scenario: Scenario, count: number): number => {
  const broker = new Broker(parseConfig(configOf(scenario)), { logger: createLogger({ level: "silent" }) })
  try {
    const topic = broker.topics.get("agent-logs") as TopicEntity
    const start = performance.now()
    for (let n = 0; n < count; n++) broker.send(topic, [AmqpPayload.decode(encoded[n % encoded.length] as Buffer)])
    const seconds = (performance.now() - start) / 1000
    const stored = broker.stores().reduce((sum, store) => sum + store.messageCount, 0)
    if (stored !== count * copiesPerMessage(scenario)) {
      throw new Error(`${scenario}: expected ${count * copiesPerMessage(scenario)} stored copies, found ${stored}`)
    }
    return count / seconds
  } finally {
    broker.close()
  }
}

const configDirectory = mkdtempSync(join(tmpdir(), "sql-filters-bench-"))

/** The emulator's CLI in a child process, started on free ports with the scenario's Config.json. */
const startCli = async (scenario: Scenario) => {
  const configPath = join(configDirectory, `${scenario}.json`)
  writeFileSync(configPath, JSON.stringify(configOf(scenario)))
  return startEmulatorProcess(configPath)
}

interface FanOut {
  /** Topic messages per second of wall-clock time. */
  readonly rate: number
  /** Topic messages per second of the emulator process's CPU time: its capacity, whatever else runs. */
  readonly cpuRate: number
}

/** A fresh emulator per run (stored copies do not pile up across runs); returns topic messages per second. */
const fanOutRate = async (scenario: Scenario, count: number): Promise<FanOut> => {
  const emulator = await startCli(scenario)
  const client = new ServiceBusClient(emulator.connectionString)
  try {
    const sender = client.createSender("agent-logs")
    await sendBatched(
      sender,
      Array.from({ length: 500 }, (_, n) => message(n)),
    ) // warm-up: link, JIT
    const messages = Array.from({ length: count }, (_, n) => message(n + 500))
    const start = performance.now()
    const cpuStart = cpuSeconds(emulator.pid)
    await sendBatched(sender, messages)
    const seconds = (performance.now() - start) / 1000
    const cpu = cpuSeconds(emulator.pid) - cpuStart
    // Exact accounting: every message is in exactly one subscription (every subscription for `1=1`).
    const health = (await (await fetch(`http://127.0.0.1:${emulator.httpPort}/health`)).json()) as { messages: number }
    const perMessage = copiesPerMessage(scenario)
    if (health.messages !== (count + 500) * perMessage) {
      throw new Error(`${scenario}: expected ${(count + 500) * perMessage} stored copies, found ${health.messages}`)
    }
    return { rate: count / seconds, cpuRate: count / cpu }
  } finally {
    await client.close()
    await emulator.close()
  }
}

const main = async () => {
  const load = loadavg()[0]?.toFixed(1)
  // Warm-up of the evaluation loop, then interleaved runs.
  evaluationRate(sqlFilters)
  evaluationRate(correlationFilters)
  const evaluations = { sql: [] as Array<number>, correlation: [] as Array<number> }
  const fanOut = { sql: [] as Array<number>, correlation: [] as Array<number>, true: [] as Array<number> }
  const fanOutCpu = { sql: [] as Array<number>, correlation: [] as Array<number>, true: [] as Array<number> }
  const brokerFanOut = { sql: [] as Array<number>, correlation: [] as Array<number>, true: [] as Array<number> }
  for (let run = 0; run < runs; run++) {
    const sql = evaluationRate(sqlFilters)
    const correlation = evaluationRate(correlationFilters)
    if (sql.matches !== evaluationMessages || correlation.matches !== evaluationMessages) {
      throw new Error(
        `each message must match exactly one filter: sql ${sql.matches}, correlation ${correlation.matches}`,
      )
    }
    evaluations.sql.push(sql.rate)
    evaluations.correlation.push(correlation.rate)
    for (const scenario of ["sql", "correlation", "true"] as const) {
      // 50 copies of every message for `1=1`: fewer messages keep the run's memory alike.
      const count = scenario === "true" ? fanOutMessages / 5 : fanOutMessages
      brokerFanOut[scenario].push(brokerFanOutRate(scenario, count))
      const measured = await fanOutRate(scenario, count)
      fanOut[scenario].push(measured.rate)
      fanOutCpu[scenario].push(measured.cpuRate)
    }
    process.stderr.write(
      `run ${run + 1}: evaluations/s sql ${format(sql.rate)}, correlation ${format(correlation.rate)}; ` +
        `fan-out msg/s sql ${format(fanOut.sql[run] ?? 0)}, correlation ${format(fanOut.correlation[run] ?? 0)}, ` +
        `1=1 ${format(fanOut.true[run] ?? 0)}; in the broker sql ${format(brokerFanOut.sql[run] ?? 0)}, ` +
        `correlation ${format(brokerFanOut.correlation[run] ?? 0)}, 1=1 ${format(brokerFanOut.true[run] ?? 0)}\n`,
    )
  }
  const ratio = (a: ReadonlyArray<number>, b: ReadonlyArray<number>) => median(a.map((x, i) => x / (b[i] as number)))
  const sqlFanOut = median(fanOut.sql)
  const lines = [
    `Machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? "unknown CPU"}), Node ${process.version}, ` +
      `${new Date().toISOString().slice(0, 10)}; load average ${load} at the start, ${loadavg()[0]?.toFixed(1)} at the end.`,
    `${runs} interleaved runs, medians; ratios are medians of the per-run ratios.`,
    "",
    `| measurement | SQL filters | correlation filters (baseline) | SQL / correlation | 50 × \`1=1\` |`,
    "|---|---:|---:|---:|---:|",
    `| filter evaluations/s (${format(evaluationMessages)} messages × 50 filters, each message decoded once) | ` +
      `${format(median(evaluations.sql))} | ${format(median(evaluations.correlation))} | ` +
      `${ratio(evaluations.sql, evaluations.correlation).toFixed(2)} | n/a |`,
    `| fan-out msg/s in the broker alone, 50 subscriptions | ${format(median(brokerFanOut.sql))} | ` +
      `${format(median(brokerFanOut.correlation))} | ${ratio(brokerFanOut.sql, brokerFanOut.correlation).toFixed(2)} | ` +
      `${format(median(brokerFanOut.true))} |`,
    `| fan-out msg/s through the SDK, emulator in its own process, 50 subscriptions (${format(fanOutMessages)} messages; ` +
      `${format(fanOutMessages / 5)} for \`1=1\`) | ${format(sqlFanOut)} | ${format(median(fanOut.correlation))} | ` +
      `${ratio(fanOut.sql, fanOut.correlation).toFixed(2)} | ${format(median(fanOut.true))} |`,
    "| the same, messages per second of the emulator process's CPU time (its capacity whatever else runs) | " +
      `${format(median(fanOutCpu.sql))} | ${format(median(fanOutCpu.correlation))} | ` +
      `${ratio(fanOutCpu.sql, fanOutCpu.correlation).toFixed(2)} | ${format(median(fanOutCpu.true))} |`,
    "",
    `Floor: 50 SQL subscriptions fan out at least 5,000 msg/s: ${sqlFanOut >= 5000 ? "met" : "NOT met"} through the SDK ` +
      `(${format(sqlFanOut)}); the emulator's capacity per CPU second ${format(median(fanOutCpu.sql))}.`,
  ]
  report("sqlFilters", lines, { subsection: "### SQL filters" })
}

runBench(main)
