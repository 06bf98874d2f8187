import { AgentLogsStream, ResourcesStream } from "@haymaker/adapters-sinks"
import { loadWorkerConfig } from "@haymaker/app-worker/src/config/WorkerConfig.ts"
import { generateRunEvents } from "@haymaker/app-worker/src/demo/generateEvents.ts"
import { readArchive } from "@haymaker/app-worker/src/demo/readArchive.ts"
import { OpsServer } from "@haymaker/app-worker/src/http/OpsServer.ts"
import type { WorkerTotals } from "@haymaker/app-worker/src/pipeline/Worker.ts"
import { serveWorker } from "@haymaker/app-worker/src/serveWorker.ts"
import { startEndpoints } from "@haymaker/app-worker/src/WorkerLayers.ts"
import { sampleRun } from "@haymaker/domain/fixtures"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runPython } from "../src/python.ts"
import { type InteropEmulator, namespace, startInteropEmulator } from "../src/pythonBus.ts"

const resourceEvents = new Set(["resource_created", "resource_deleted", "resource_deletion_failed"])
const agentLogEvents = new Set(["agent_started", "operation", "cleanup_complete", "error"])

describe("a Python agent publishing to agent-logs, the worker writing both sinks", () => {
  let interop: InteropEmulator

  beforeAll(async () => {
    interop = await startInteropEmulator(
      namespace({
        Topics: [
          {
            Name: "agent-logs",
            Subscriptions: [{ Name: "orchestrator-sub", Properties: { LockDuration: "PT1M", MaxDeliveryCount: 10 } }],
          },
        ],
      }),
    )
  })

  afterAll(async () => {
    await interop?.close()
  })

  it("every event the agent sent, single and batched, lands in Log Analytics and the archive", async () => {
    // The seed's sample run, then generated runs: every event type, some unknown to the worker.
    const events = [...sampleRun, ...generateRunEvents(120)]
    const published = await runPython<{ single: number; batched: number; batches: number }>("agent_publish.py", {
      bus: interop.bus,
      topic: "agent-logs",
      events,
      single: sampleRun.length,
    })
    expect(published).toMatchObject({ single: sampleRun.length, batched: events.length - sampleRun.length })
    expect(published.batches).toBeGreaterThan(0)

    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const config = yield* loadWorkerConfig({
          HAYMAKER_SERVICEBUS_CONNECTION_STRING: interop.emulator.connectionString,
          HAYMAKER_SINKS: "local",
          HAYMAKER_HTTP_HOST: "127.0.0.1",
          HAYMAKER_HTTP_PORT: "0",
          HAYMAKER_WORKER_BATCH_WAIT_MS: "20",
          HAYMAKER_LOG_LEVEL: "Error",
        })
        const endpoints = yield* startEndpoints(config)
        const peers = endpoints.localSinks
        if (peers === undefined) return yield* Effect.die("expected the local sink peers")
        let totals: WorkerTotals | undefined
        yield* serveWorker(config, endpoints, (_, current) =>
          Effect.sync(() => {
            totals = current
          }),
        ).pipe(Effect.provide(OpsServer.layer({ host: config.httpHost, port: config.httpPort })), Effect.forkScoped)
        yield* Effect.sleep(100).pipe(
          Effect.repeat({ until: () => (totals?.completed ?? 0) + (totals?.deadLettered ?? 0) >= events.length }),
          Effect.timeout("120 seconds"),
        )
        return {
          totals,
          archive: yield* readArchive(endpoints.sinks),
          resourceRows: yield* Effect.promise(() => peers.logsIngestion.rows(ResourcesStream.stream)),
          agentLogRows: yield* Effect.promise(() => peers.logsIngestion.rows(AgentLogsStream.stream)),
        }
      }).pipe(Effect.scoped),
    )

    expect(result.totals).toMatchObject({ completed: events.length, deadLettered: 0 })
    // Sequence numbers follow publication order: the n-th event sent is message n.
    const bySequence = new Map(result.archive.map((entry) => [Number(entry.sequenceNumber), entry.event]))
    expect(bySequence.size).toBe(events.length)
    expect(events.map((_, index) => bySequence.get(index + 1))).toEqual(events)

    const sequences = (rows: ReadonlyArray<Record<string, unknown>>) =>
      new Set(rows.map((row) => Number(row.sequence_number)))
    const resources = sequences(result.resourceRows)
    const agentLogs = sequences(result.agentLogRows)
    events.forEach((event, index) => {
      const type = String(event.event_type)
      expect({ type, resources: resources.has(index + 1), agentLogs: agentLogs.has(index + 1) }).toEqual({
        type,
        resources: resourceEvents.has(type),
        agentLogs: agentLogEvents.has(type),
      })
    })
  })
})
