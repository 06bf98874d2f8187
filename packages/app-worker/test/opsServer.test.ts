import { createServer, type Server } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { sampleAgentLogEvents } from "@haymaker/domain/fixtures"
import { InMemoryBus } from "@haymaker/testing"
import { Deferred, Effect, Fiber, Metric, Ref, Schedule } from "effect"
import { OpsServer } from "../src/http/OpsServer.ts"
import { runWorker } from "../src/pipeline/Worker.ts"
import { inMemoryWorkerLayer, testWorkerOptions } from "./support/worker.ts"
import { startWorkerProcess } from "./support/workerProcess.ts"

// What dashboards, the docs, the container test and the fault matrix read: names and label sets.
const reasons = [
  "InvalidJson",
  "NotAnObject",
  "SchemaViolation",
  "BodyTooLarge",
  "BodyTooDeep",
  "UnsupportedBody",
  "SinkRejected",
]
const sinks = ["LogAnalytics", "Archive"]
const expectedSeries = [
  "haymaker_messages_received_total",
  "haymaker_messages_redelivered_total",
  "haymaker_messages_completed_total",
  "haymaker_messages_abandoned_total",
  "haymaker_settlement_failures_total",
  ...reasons.map((reason) => `haymaker_messages_dead_lettered_total{reason="${reason}"}`),
  ...sinks.flatMap((sink) => [
    `haymaker_sink_retries_total{sink="${sink}"}`,
    `haymaker_sink_records_retried_total{sink="${sink}"}`,
    `haymaker_sink_outages_total{sink="${sink}"}`,
    `haymaker_sink_write_seconds_count{sink="${sink}"}`,
  ]),
  "haymaker_batch_size_count",
  "haymaker_ready",
]

/** Each sample line of a Prometheus text as series → value. */
const samples = (text: string): Map<string, number> =>
  new Map(
    text
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("#"))
      .map((line) => {
        const at = line.lastIndexOf(" ")
        return [line.slice(0, at), Number(line.slice(at + 1))] as const
      }),
  )

const get = (url: string) =>
  Effect.promise(async () => {
    const response = await fetch(url)
    return { status: response.status, type: response.headers.get("content-type"), body: await response.text() }
  })

const scrape = (url: string) => Effect.map(get(`${url}/metrics`), (response) => samples(response.body))

/** The ops server on an ephemeral port, with a metric registry of its own (the default one is process-wide). */
const withOps = <A, E, R>(effect: Effect.Effect<A, E, R>, port = 0) =>
  effect.pipe(
    Effect.provide(OpsServer.layer({ host: "127.0.0.1", port })),
    Effect.provideService(Metric.MetricRegistry, new Map()),
  )

const workerOptions = testWorkerOptions({ batchWait: "20 millis", batchConcurrency: 1 })

/** A server holding a port on 127.0.0.1, as another process would. */
const holdPort = Effect.acquireRelease(
  Effect.callback<Server>((resume) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
  }),
  (server) => Effect.callback<void>((resume) => void server.close(() => resume(Effect.void))),
)
const portOf = (server: Server) => {
  const address = server.address()
  return typeof address === "object" && address !== null ? address.port : 0
}

describe("ops server (/metrics, /healthz, /readyz)", () => {
  it.live("every haymaker_* series is in /metrics at 0 before the first message", () =>
    withOps(
      Effect.gen(function* () {
        const ops = yield* OpsServer
        const response = yield* get(`${ops.url}/metrics`)
        expect(response.status).toBe(200)
        expect(response.type).toBe("text/plain; version=0.0.4; charset=utf-8")
        const series = samples(response.body)
        for (const name of expectedSeries) expect([name, series.get(name)]).toEqual([name, 0])
        expect(response.body).toContain("# TYPE haymaker_sink_write_seconds histogram")
        expect(response.body).toContain('haymaker_batch_size_bucket{le="+Inf"} 0')
        // Read at each scrape, not left at the value of the last message.
        expect(series.get("process_resident_memory_bytes")).toBeGreaterThan(0)
        expect(series.get("nodejs_heap_used_bytes")).toBeGreaterThan(0)
      }),
    ),
  )

  it.live("/readyz and haymaker_ready follow the readiness the worker reports; /healthz answers throughout", () =>
    withOps(
      Effect.gen(function* () {
        const ops = yield* OpsServer
        expect(yield* get(`${ops.url}/readyz`)).toMatchObject({ status: 503, body: "not ready: starting\n" })
        expect(yield* get(`${ops.url}/healthz`)).toMatchObject({ status: 200, body: "ok\n" })

        yield* Ref.set(ops.readiness, { ready: true, reason: "receiving" })
        expect(yield* get(`${ops.url}/readyz`)).toMatchObject({ status: 200, body: "ready\n" })
        expect((yield* scrape(ops.url)).get("haymaker_ready")).toBe(1)

        const outage = "LogAnalytics sink unavailable: 401 Unauthorized"
        yield* Ref.set(ops.readiness, { ready: false, reason: outage })
        expect(yield* get(`${ops.url}/readyz`)).toMatchObject({ status: 503, body: `not ready: ${outage}\n` })
        expect((yield* scrape(ops.url)).get("haymaker_ready")).toBe(0)
        expect(yield* get(`${ops.url}/healthz`)).toMatchObject({ status: 200, body: "ok\n" })
        expect((yield* get(`${ops.url}/nothing-here`)).status).toBe(404)
      }),
    ),
  )

  it.live(
    "a worker's messages move the series present from start-up and add none; /readyz is 200 while it receives",
    () =>
      withOps(
        Effect.gen(function* () {
          const ops = yield* OpsServer
          const before = yield* scrape(ops.url)
          const bus = yield* InMemoryBus
          yield* bus.send(Buffer.from(JSON.stringify(sampleAgentLogEvents[0])))
          yield* bus.send(Buffer.from("{not json"))
          const stop = yield* Deferred.make<void>()
          const worker = yield* runWorker(workerOptions, stop, undefined, ops.readiness).pipe(Effect.forkChild)
          yield* bus.awaitSettled.pipe(Effect.timeout("20 seconds"))
          // Readiness has no signal of its own: poll the probe as Kubernetes would.
          yield* get(`${ops.url}/readyz`).pipe(
            Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: (response) => response.status === 200 }),
            Effect.timeout("20 seconds"),
          )
          expect((yield* scrape(ops.url)).get("haymaker_ready")).toBe(1)
          yield* Deferred.succeed(stop, undefined)
          yield* Fiber.join(worker)

          const after = yield* scrape(ops.url)
          expect([...after.keys()].filter((name) => name.startsWith("haymaker_")).sort()).toEqual(
            [...before.keys()].filter((name) => name.startsWith("haymaker_")).sort(),
          )
          expect(after.get("haymaker_messages_received_total")).toBe(2)
          expect(after.get("haymaker_messages_completed_total")).toBe(1)
          expect(after.get('haymaker_messages_dead_lettered_total{reason="InvalidJson"}')).toBe(1)
          expect(after.get('haymaker_sink_write_seconds_count{sink="LogAnalytics"}')).toBe(1)
          expect(after.get("haymaker_ready")).toBe(0)
          expect(yield* get(`${ops.url}/readyz`)).toMatchObject({ status: 503, body: "not ready: stopped\n" })
        }).pipe(Effect.provide(inMemoryWorkerLayer())),
      ),
  )

  it.live("a taken port fails at once with an error naming HAYMAKER_HTTP_PORT", () =>
    Effect.gen(function* () {
      const port = portOf(yield* holdPort)
      const error = yield* Effect.flip(withOps(Effect.void, port))
      expect(error._tag).toBe("OpsServerError")
      expect(error.message).toContain("HAYMAKER_HTTP_PORT")
      expect(error.message).toContain(`127.0.0.1:${port}`)
      expect(error.message).toContain("EADDRINUSE")
    }).pipe(Effect.scoped),
  )

  it.live(
    "haymaker-worker run with a taken port exits 2 naming HAYMAKER_HTTP_PORT, before any local peer starts",
    () =>
      Effect.gen(function* () {
        const port = portOf(yield* holdPort)
        // No Azure settings: the local profile, which would start the emulator, Azurite and the Logs Ingestion server.
        const worker = startWorkerProcess(["run"], {
          HAYMAKER_HTTP_HOST: "127.0.0.1",
          HAYMAKER_HTTP_PORT: String(port),
        })
        yield* Effect.addFinalizer(() => Effect.sync(() => worker.child.kill("SIGKILL")))
        expect(yield* Effect.promise(() => worker.exited)).toBe(2)
        expect(worker.output()).toContain(
          `HAYMAKER_HTTP_PORT: cannot serve /metrics, /healthz and /readyz on 127.0.0.1:${port}`,
        )
        expect(worker.output()).not.toContain("Local peers")
        expect(worker.stdout()).toBe("")
      }).pipe(Effect.scoped),
    60_000,
  )
})
