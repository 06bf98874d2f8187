import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { FileArchiveSink, FileLogAnalyticsSink } from "@haymaker/adapters-sinks"
import { EventPublisher } from "@haymaker/domain"
import { sampleAgentLogEvents, sampleRun } from "@haymaker/domain/fixtures"
import {
  agentEvent,
  InMemoryArchive,
  InMemoryBus,
  type InMemoryBusOptions,
  InMemoryLogAnalytics,
} from "@haymaker/testing"
import { Deferred, type Duration, Effect, Fiber, Layer, Schedule } from "effect"
import { afterEach, beforeEach } from "vitest"
import { runWorker, type WorkerOptions } from "../../src/pipeline/Worker.ts"

/** Worker options for tests: small batches and millisecond backoffs, so that a test settles in well under a second. */
export const testWorkerOptions = (overrides: Partial<WorkerOptions> = {}): WorkerOptions => ({
  batchSize: 50,
  batchWait: "10 millis",
  batchConcurrency: 2,
  invalidMessages: "dead-letter",
  sinkRetry: { budget: "2000 millis", initialDelay: "5 millis", maxDelay: "20 millis" },
  recovery: { initialDelay: "10 millis", maxDelay: "50 millis" },
  ...overrides,
})

/** Runs the worker until every message on the in-memory bus is completed or dead-lettered, then stops it: its totals. */
export const drainWorker = (options: WorkerOptions = testWorkerOptions(), timeout: Duration.Input = "10 seconds") =>
  Effect.gen(function* () {
    const bus = yield* InMemoryBus
    const stop = yield* Deferred.make<void>()
    const worker = yield* runWorker(options, stop).pipe(Effect.forkChild)
    yield* bus.awaitSettled.pipe(Effect.timeout(timeout))
    yield* Deferred.succeed(stop, undefined)
    return yield* Fiber.join(worker)
  })

/** The in-memory bus (MaxDeliveryCount 10 unless told) and both in-memory sinks. */
export const inMemoryWorkerLayer = (bus: InMemoryBusOptions = {}) =>
  Layer.mergeAll(InMemoryBus.layer({ maxDeliveryCount: 10, ...bus }), InMemoryLogAnalytics.layer, InMemoryArchive.layer)

/** The in-memory bus with the filesystem sinks in `directory`, which write JSON like the Azure ones do. */
export const fileSinksLayer = (directory: string) =>
  Layer.mergeAll(
    InMemoryBus.layer({ maxDeliveryCount: 10 }),
    FileLogAnalyticsSink.layer({ directory }),
    FileArchiveSink.layer({ directory }),
  )

/** A fresh temporary directory for each test of the file (read it inside the test), removed after the test. */
export const useTemporaryDirectory = (prefix: string): (() => string) => {
  let directory: string | undefined
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), prefix))
  })
  afterEach(async () => {
    if (directory !== undefined) await rm(directory, { recursive: true, force: true })
    directory = undefined
  })
  return () => {
    if (directory === undefined) throw new Error("the temporary directory exists only while a test runs")
    return directory
  }
}

/**
 * Polls a condition every `every` (the worker's state has no signal of its own), failing after `seconds`.
 */
export const until = (
  condition: (() => boolean) | Effect.Effect<boolean>,
  seconds = 20,
  every: Duration.Input = "20 millis",
) =>
  (typeof condition === "function" ? Effect.sync(condition) : condition).pipe(
    Effect.repeat({ schedule: Schedule.spaced(every), until: (done) => done }),
    Effect.timeout(`${seconds} seconds`),
  )

/** The sample `operation` event of the fixtures. */
export const sampleOperation = sampleAgentLogEvents.find((event) => event.event_type === "operation")

/** `count` distinct operation events on the in-memory bus (`event i`, details `{ i }`). */
export const sendOperations = (count: number) =>
  Effect.gen(function* () {
    const bus = yield* InMemoryBus
    for (let i = 0; i < count; i++) {
      yield* bus.send(Buffer.from(JSON.stringify({ ...sampleOperation, message: `event ${i}`, details: { i } })))
    }
  })

/**
 * The sample run's events, then three bodies a broken agent might send: not JSON (`InvalidJson`), an array
 * (`NotAnObject`) and a resource event without its resource type and name (`SchemaViolation`).
 */
export const sendSampleRunAndInvalidBodies = Effect.gen(function* () {
  const bus = yield* InMemoryBus
  yield* EventPublisher.use((publisher) => publisher.publishAll(sampleRun.map(agentEvent)))
  yield* bus.send(new TextEncoder().encode("{not json"))
  yield* bus.send(new TextEncoder().encode("[1,2]"))
  yield* bus.send(
    new TextEncoder().encode(
      JSON.stringify({ event_type: "resource_created", run_id: "run-broken", resource_id: "/x" }),
    ),
  )
})
