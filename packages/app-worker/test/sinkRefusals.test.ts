import { describe, expect, it } from "@effect/vitest"
import { AgentLogsStream } from "@haymaker/adapters-sinks"
import { InMemoryArchive, InMemoryBus } from "@haymaker/testing"
import { Effect, Layer } from "effect"
import { sinkRejectedReason } from "../src/pipeline/processBatch.ts"
import { logAnalyticsSinkLayer, RULE_ID, useLogsIngestionServer } from "./support/logsIngestion.ts"
import { drainWorker, sampleOperation, testWorkerOptions } from "./support/worker.ts"

const options = testWorkerOptions({ batchSize: 500, batchWait: "50 millis" })

const logsIngestion = useLogsIngestionServer()

/** The in-memory bus and archive with the real Log Analytics sink against the local Logs Ingestion server. */
const layer = () =>
  Layer.mergeAll(
    InMemoryBus.layer({ maxDeliveryCount: 10 }),
    InMemoryArchive.layer,
    logAnalyticsSinkLayer(logsIngestion()),
  )

describe("per-message sink refusals in one micro-batch (issue 10 §3)", () => {
  it.live(
    "a 400 for a call: the rows the service refuses are found, dead-lettered with its reason; the rest land once",
    () =>
      Effect.gen(function* () {
        const server = logsIngestion()
        // The service refuses every call that carries one of these rows (as a DCR transformation or a column limit
        // refuses a request whole): 400 for the call, no row of it stored.
        server.faults.fail(400, {
          match: ({ rows }) => rows.some((row) => String((row as { message?: unknown }).message).startsWith("refuse")),
        })
        const bus = yield* InMemoryBus
        const sent = []
        for (let i = 0; i < 300; i++) {
          const refused = i % 100 === 37
          const event = { ...sampleOperation, message: refused ? `refuse ${i}` : `event ${i}`, details: { i } }
          sent.push({ refused, enqueued: yield* bus.send(Buffer.from(JSON.stringify(event))) })
        }
        const totals = yield* drainWorker(options, "20 seconds")

        const deadLetters = yield* bus.deadLetters
        const refused = sent.filter((s) => s.refused).map((s) => s.enqueued.messageId)
        expect(deadLetters.map((letter) => letter.messageId).sort()).toEqual([...refused].sort())
        for (const letter of deadLetters) {
          expect(letter.reason).toBe(sinkRejectedReason)
          expect(letter.description).toContain("LogAnalytics refused the event")
          expect(letter.description).toContain("400 InvalidRequest")
        }
        // Every other event is a Log Analytics row exactly once, and completed.
        const rows = server.rows(AgentLogsStream.stream, RULE_ID).map((row) => String(row.sequence_number))
        const landed = sent.filter((s) => !s.refused).map((s) => String(s.enqueued.sequenceNumber))
        expect([...rows].sort()).toEqual([...landed].sort())
        expect((yield* bus.completed).length).toBe(landed.length)
        expect(totals).toMatchObject({ received: 300, completed: 297, deadLettered: 3, abandoned: 0 })
      }).pipe(Effect.provide(layer())),
  )
})
