import { Effect, Metric, type Scope } from "effect"

/** A counter that only goes up (Prometheus `_total`). */
const counter = (name: string, description: string) => Metric.counter(name, { description, incremental: true })

// Names follow Prometheus conventions; `/metrics` renders them with PrometheusMetrics. Dashboards, the docs, the
// container test and the fault matrix read these names and labels: keep them.
export const messagesReceived = counter("haymaker_messages_received_total", "Messages received from the subscription")
export const messagesRedelivered = counter(
  "haymaker_messages_redelivered_total",
  "Messages received again (delivery count above 0): an earlier delivery was not settled",
)
export const messagesCompleted = counter(
  "haymaker_messages_completed_total",
  "Messages completed after both sinks confirmed them",
)
const messagesDeadLettered = counter("haymaker_messages_dead_lettered_total", "Messages dead-lettered, by reason")
export const messagesAbandoned = counter(
  "haymaker_messages_abandoned_total",
  "Messages abandoned for redelivery after sink failures",
)
export const settlementFailures = counter(
  "haymaker_settlement_failures_total",
  "Settlements the broker refused (lock lost, disconnected); the broker redelivers those messages",
)
const sinkRetries = counter("haymaker_sink_retries_total", "Sink writes retried after a transient failure, by sink")
const sinkRecordsRetried = counter(
  "haymaker_sink_records_retried_total",
  "Records written again after a transient failure, by sink (a retried write may store a second copy)",
)
const sinkLatency = Metric.histogram("haymaker_sink_write_seconds", {
  description: "Duration of one sink write call (retries included), by sink",
  boundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
})
const ready = Metric.gauge("haymaker_ready", {
  description: "1 while the worker receives with the broker and both sinks reachable, 0 otherwise (as /readyz)",
})
const outages = counter(
  "haymaker_sink_outages_total",
  "Times a sink made the worker stop pulling (unavailable, or failing beyond the retry budget), by sink",
)
export const batchSize = Metric.histogram("haymaker_batch_size", {
  description: "Messages per micro-batch",
  boundaries: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
})

export const countDeadLettered = (reason: string, count = 1): Effect.Effect<void> =>
  Metric.update(Metric.withAttributes(messagesDeadLettered, { reason }), count)

export const countSinkRetry = (sink: string, records: number): Effect.Effect<void> =>
  Effect.andThen(
    Metric.update(Metric.withAttributes(sinkRetries, { sink }), 1),
    Metric.update(Metric.withAttributes(sinkRecordsRetried, { sink }), records),
  )

export const recordSinkLatency = (sink: string, seconds: number): Effect.Effect<void> =>
  Metric.update(Metric.withAttributes(sinkLatency, { sink }), seconds)

export const countOutage = (sink: string): Effect.Effect<void> =>
  Metric.update(Metric.withAttributes(outages, { sink }), 1)

export const increment = (counter: Metric.Counter<number>, count: number): Effect.Effect<void> =>
  count === 0 ? Effect.void : Metric.update(counter, count)

const residentMemory = Metric.gauge("process_resident_memory_bytes", { description: "Resident set size" })
const heapUsed = Metric.gauge("nodejs_heap_used_bytes", { description: "V8 heap in use" })
const heapTotal = Metric.gauge("nodejs_heap_total_bytes", { description: "V8 heap reserved" })
const external = Metric.gauge("nodejs_external_memory_bytes", { description: "Memory of buffers outside the V8 heap" })

/** The sinks of the dual write, as the `sink` label names them. */
export const sinkNames = ["LogAnalytics", "Archive"] as const

/** A gauge read when metrics are read (a scrape, an OTLP export) rather than set: it cannot go stale. */
const readGauge = (gauge: Metric.Gauge<number>, read: () => number): Effect.Effect<void, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.flatMap(Effect.context<never>(), (context) =>
      Effect.sync(() =>
        Metric.registerUnsafe(gauge, context, { get: () => ({ value: read() }), update: () => {}, modify: () => {} }),
      ),
    ),
    (registration) => Effect.sync(registration.remove),
  )

/**
 * Every series of the worker from start-up, at 0 until something happens, so that a scrape before the first message
 * (or a dashboard's rate over a quiet worker) sees them: each counter and histogram, for every sink and every
 * dead-letter reason. `haymaker_ready` and the process's memory gauges are read at each scrape; `isReady` answers
 * the former. Removed with the scope.
 */
export const registerWorkerMetrics = (options: {
  readonly deadLetterReasons: ReadonlyArray<string>
  readonly isReady: () => boolean
}): Effect.Effect<void, never, Scope.Scope> => {
  const bySink = <S>(metric: Metric.Metric<number, S>) =>
    sinkNames.map((sink) => Metric.value(Metric.withAttributes(metric, { sink })))
  return Effect.all(
    [
      ...[messagesReceived, messagesRedelivered, messagesCompleted, messagesAbandoned, settlementFailures].map(
        Metric.value,
      ),
      Metric.value(batchSize),
      ...options.deadLetterReasons.map((reason) =>
        Metric.value(Metric.withAttributes(messagesDeadLettered, { reason })),
      ),
      ...bySink(sinkRetries),
      ...bySink(sinkRecordsRetried),
      ...bySink(sinkLatency),
      ...bySink(outages),
      readGauge(ready, () => (options.isReady() ? 1 : 0)),
      readGauge(residentMemory, () => process.memoryUsage.rss()),
      readGauge(heapUsed, () => process.memoryUsage().heapUsed),
      readGauge(heapTotal, () => process.memoryUsage().heapTotal),
      readGauge(external, () => process.memoryUsage().external),
    ],
    { discard: true },
  )
}
