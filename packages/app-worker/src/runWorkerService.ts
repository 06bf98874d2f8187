import { Deferred, Effect, Fiber, Layer } from "effect"
import type { WorkerConfig } from "./config/WorkerConfig.ts"
import { describeEndpoints } from "./describeEndpoints.ts"
import { startOpsServer } from "./http/OpsServer.ts"
import type { BatchOutcome } from "./pipeline/processBatch.ts"
import { runWorker, type WorkerOptions, type WorkerState, type WorkerTotals } from "./pipeline/Worker.ts"
import { HeldMessages } from "./progress/HeldMessages.ts"
import { reportProgress } from "./progress/ProgressReport.ts"
import { type Endpoints, sinksLayer, subscriptionLayer } from "./WorkerLayers.ts"

export const workerOptions = (config: WorkerConfig): WorkerOptions => ({
  batchSize: config.batchSize,
  batchWaitMs: config.batchWaitMs,
  batchConcurrency: config.batchConcurrency,
  invalidMessages: config.invalidMessages,
  decodeLimits: config.decodeLimits,
  sinkRetry: {
    budgetMs: config.sinkRetryBudgetMs,
    initialDelayMs: 250,
    maxDelayMs: 5_000,
    writeTimeoutMs: config.sinkWriteTimeoutMs,
  },
  recovery: { initialDelayMs: config.recoveryInitialDelayMs, maxDelayMs: config.recoveryMaxDelayMs },
})

/**
 * Runs the worker until interrupted (SIGTERM/SIGINT through the runtime). On interruption it stops taking messages,
 * lets in-flight batches be written and settled (bounded by `shutdownTimeoutMs`), then closes the clients and peers.
 */
export const runWorkerService = Effect.fn("Worker.service")(function* (
  config: WorkerConfig,
  endpoints: Endpoints,
  onBatch?: (outcome: BatchOutcome, totals: WorkerTotals) => Effect.Effect<void>,
) {
  const state: WorkerState = { ready: false, reason: "starting" }
  const ops = yield* startOpsServer(config.httpHost, config.httpPort, state)
  const description = yield* describeEndpoints(config, endpoints)
  yield* Effect.logInfo(`connecting to ${description}; metrics and probes on ${ops.url}/metrics, /healthz, /readyz`)
  const services = yield* Layer.build(
    Layer.mergeAll(sinksLayer(endpoints.sinks), subscriptionLayer(config, endpoints.serviceBus)),
  )
  const stop = yield* Deferred.make<void>()
  const held = new HeldMessages()
  let sessions = 0
  const onReceiving = Effect.suspend(() =>
    sessions++ === 0
      ? Effect.logInfo(`connected, receiving from ${config.topic}/${config.subscription}: ${description}`)
      : Effect.logInfo(`receiving again from ${config.topic}/${config.subscription}`),
  )
  // Detached so that interrupting the main fiber does not cut a batch short: the finalizer below drains it.
  const worker = yield* runWorker({ ...workerOptions(config), held, onReceiving }, stop, onBatch, state).pipe(
    Effect.provide(services),
    Effect.forkDetach,
  )
  if (config.progressIntervalMs > 0) yield* Effect.forkScoped(reportProgress(config.progressIntervalMs, held))
  return yield* Fiber.join(worker).pipe(
    Effect.onInterrupt(() =>
      Effect.gen(function* () {
        state.ready = false
        state.reason = "stopping"
        yield* Effect.logInfo("stopping: no new messages; finishing and settling in-flight batches")
        yield* Deferred.succeed(stop, undefined)
        const drained = yield* Fiber.await(worker).pipe(Effect.timeoutOption(config.shutdownTimeoutMs))
        if (drained._tag === "None") {
          yield* Effect.logWarning(
            `in-flight batches did not finish within ${config.shutdownTimeoutMs} ms; unsettled messages will be redelivered`,
          )
          yield* Fiber.interrupt(worker)
        } else {
          yield* Effect.logInfo("stopped cleanly")
        }
      }),
    ),
  )
})
