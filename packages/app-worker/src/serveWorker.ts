import { Deferred, Duration, Effect, Fiber, Layer, Ref } from "effect"
import type { WorkerConfig } from "./config/WorkerConfig.ts"
import { describeEndpoints } from "./describeEndpoints.ts"
import { OpsServer } from "./http/OpsServer.ts"
import type { BatchTotals } from "./pipeline/processBatch.ts"
import { runWorker, type WorkerOptions, type WorkerTotals } from "./pipeline/Worker.ts"
import { HeldMessages } from "./progress/HeldMessages.ts"
import { reportProgress } from "./progress/ProgressReport.ts"
import { type Endpoints, sinksLayer, subscriptionLayer } from "./WorkerLayers.ts"

export const workerOptions = (config: WorkerConfig): WorkerOptions => ({
  batchSize: config.batchSize,
  batchWait: config.batchWait,
  batchConcurrency: config.batchConcurrency,
  invalidMessages: config.invalidMessages,
  decodeLimits: config.decodeLimits,
  maxDeliveryCount: config.maxDeliveryCount,
  sinkRetry: {
    budget: config.sinkRetryBudget,
    initialDelay: Duration.millis(250),
    maxDelay: Duration.seconds(5),
    writeTimeout: config.sinkWriteTimeout,
  },
  recovery: { initialDelay: config.recoveryInitialDelay, maxDelay: config.recoveryMaxDelay },
})

/**
 * Runs the worker until interrupted (SIGTERM/SIGINT through the runtime). On interruption it stops taking messages,
 * lets in-flight batches be written and settled (bounded by `shutdownTimeout`), then closes the clients and peers.
 * It reports its readiness to the {@link OpsServer}, which the caller opens first.
 */
export const serveWorker = Effect.fn("Worker.serve")(function* (
  config: WorkerConfig,
  endpoints: Endpoints,
  onBatch?: (outcome: BatchTotals, totals: WorkerTotals) => Effect.Effect<void>,
) {
  const { readiness } = yield* OpsServer
  const description = yield* describeEndpoints(config, endpoints)
  yield* Effect.logInfo(`connecting to ${description}`)
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
  const worker = yield* runWorker({ ...workerOptions(config), held, onReceiving }, stop, onBatch, readiness).pipe(
    Effect.provide(services),
    Effect.forkDetach,
  )
  if (Duration.isPositive(config.progressInterval)) {
    yield* Effect.forkScoped(reportProgress(Duration.toMillis(config.progressInterval), held))
  }
  return yield* Fiber.join(worker).pipe(
    Effect.onInterrupt(() =>
      Effect.gen(function* () {
        yield* Ref.set(readiness, { ready: false, reason: "stopping" })
        yield* Effect.logInfo("stopping: no new messages; finishing and settling in-flight batches")
        yield* Deferred.succeed(stop, undefined)
        const drained = yield* Fiber.await(worker).pipe(Effect.timeoutOption(config.shutdownTimeout))
        if (drained._tag === "None") {
          yield* Effect.logWarning(
            `in-flight batches did not finish within ${Duration.format(config.shutdownTimeout)}; unsettled messages will be redelivered`,
          )
          yield* Fiber.interrupt(worker)
        } else {
          yield* Effect.logInfo("stopped cleanly")
        }
      }),
    ),
  )
})
