import { Effect, Metric } from "effect"

// Names follow Prometheus conventions; `/metrics` renders them with PrometheusMetrics.format.
export const messagesReceived = Metric.counter("haymaker_messages_received_total", {
  description: "Messages received from the subscription",
  incremental: true,
})
export const messagesRedelivered = Metric.counter("haymaker_messages_redelivered_total", {
  description: "Messages received again (delivery count above 0): an earlier delivery was not settled",
  incremental: true,
})
export const messagesCompleted = Metric.counter("haymaker_messages_completed_total", {
  description: "Messages completed after both sinks confirmed them",
  incremental: true,
})
const messagesDeadLettered = Metric.counter("haymaker_messages_dead_lettered_total", {
  description: "Messages dead-lettered, by reason",
  incremental: true,
})
export const messagesAbandoned = Metric.counter("haymaker_messages_abandoned_total", {
  description: "Messages abandoned for redelivery after sink failures",
  incremental: true,
})
export const settlementFailures = Metric.counter("haymaker_settlement_failures_total", {
  description: "Settlements the broker refused (lock lost, disconnected); the broker redelivers those messages",
  incremental: true,
})
const sinkRetries = Metric.counter("haymaker_sink_retries_total", {
  description: "Sink writes retried after a transient failure, by sink",
  incremental: true,
})
const sinkRecordsRetried = Metric.counter("haymaker_sink_records_retried_total", {
  description: "Records written again after a transient failure, by sink (a retried write may store a second copy)",
  incremental: true,
})
const sinkLatency = Metric.histogram("haymaker_sink_write_seconds", {
  description: "Duration of one sink write call (retries included), by sink",
  boundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
})
const ready = Metric.gauge("haymaker_ready", {
  description: "1 while the worker receives with the broker and both sinks reachable, 0 otherwise (as /readyz)",
})
const outages = Metric.counter("haymaker_sink_outages_total", {
  description: "Times a sink made the worker stop pulling (unavailable, or failing beyond the retry budget), by sink",
  incremental: true,
})
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

export const setReady = (value: boolean): Effect.Effect<void> => Metric.update(ready, value ? 1 : 0)

export const countOutage = (sink: string): Effect.Effect<void> =>
  Metric.update(Metric.withAttributes(outages, { sink }), 1)

export const increment = (counter: Metric.Counter<number>, count: number): Effect.Effect<void> =>
  count === 0 ? Effect.void : Metric.update(counter, count)

const residentMemory = Metric.gauge("process_resident_memory_bytes", { description: "Resident set size" })
const heapUsed = Metric.gauge("nodejs_heap_used_bytes", { description: "V8 heap in use" })
const heapTotal = Metric.gauge("nodejs_heap_total_bytes", { description: "V8 heap reserved" })
const external = Metric.gauge("nodejs_external_memory_bytes", { description: "Memory of buffers outside the V8 heap" })

/** Samples the process's memory into the gauges; called on each scrape. */
export const sampleProcessMemory: Effect.Effect<void> = Effect.suspend(() => {
  const usage = process.memoryUsage()
  return Effect.all(
    [
      Metric.update(residentMemory, usage.rss),
      Metric.update(heapUsed, usage.heapUsed),
      Metric.update(heapTotal, usage.heapTotal),
      Metric.update(external, usage.external),
    ],
    { discard: true },
  )
})
