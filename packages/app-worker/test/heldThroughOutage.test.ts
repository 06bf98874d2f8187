import { ServiceBusClient } from "@azure/service-bus"
import { describe, expect, it } from "@effect/vitest"
import { connectionString, ServiceBusEventSubscription } from "@haymaker/adapters-servicebus"
import { EventSubscription } from "@haymaker/domain"
import { startEmulator } from "@haymaker/servicebus-emulator"
import { InMemoryArchive, InMemoryLogAnalytics } from "@haymaker/testing"
import { Deferred, Effect, Fiber, Layer, Ref } from "effect"
import { runWorker, startingState, type WorkerTotals } from "../src/pipeline/Worker.ts"
import { sampleOperation, testWorkerOptions, until } from "./support/worker.ts"

const topicName = "agent-logs"
const subscriptionName = "orchestrator-sub"
const maxDeliveryCount = 3
const sent = 30

/** The emulator on an ephemeral port: a 2 s lock (well inside the outage) and MaxDeliveryCount 3. */
const emulator = Effect.acquireRelease(
  Effect.promise(() =>
    startEmulator({
      port: 0,
      config: {
        UserConfig: {
          Namespaces: [
            {
              Name: "sbemulatorns",
              Queues: [],
              Topics: [
                {
                  Name: topicName,
                  Properties: { DefaultMessageTimeToLive: "PT1H", RequiresDuplicateDetection: false },
                  Subscriptions: [
                    {
                      Name: subscriptionName,
                      Properties: {
                        LockDuration: "PT2S",
                        MaxDeliveryCount: maxDeliveryCount,
                        DeadLetteringOnMessageExpiration: false,
                        RequiresSession: false,
                      },
                      Rules: [],
                    },
                  ],
                },
              ],
            },
          ],
          Logging: { Type: "Console" },
        },
      },
    }),
  ),
  (started) => Effect.promise(() => started.close()),
)

/** The raw SDK, as an agent and an operator would use it: send, and count what is left and dead-lettered. */
const sdk = (connection: string) =>
  Effect.acquireRelease(
    Effect.sync(() => new ServiceBusClient(connection)),
    (client) => Effect.promise(() => client.close()),
  ).pipe(
    Effect.map((client) => {
      const peekAll = (subQueueType?: "deadLetter") =>
        Effect.promise(async () => {
          const receiver = client.createReceiver(topicName, subscriptionName, subQueueType ? { subQueueType } : {})
          try {
            return await receiver.peekMessages(sent * 2)
          } finally {
            await receiver.close()
          }
        })
      return {
        send: Effect.promise(async () => {
          const sender = client.createSender(topicName)
          await sender.sendMessages(
            Array.from({ length: sent }, (_, i) => ({
              body: Buffer.from(JSON.stringify({ ...sampleOperation, message: `event ${i}`, details: { i } })),
              contentType: "application/json",
              messageId: `event-${i}`,
            })),
          )
          await sender.close()
        }),
        active: peekAll(),
        deadLettered: peekAll("deadLetter"),
      }
    }),
  )

const options = testWorkerOptions({
  batchWait: "20 millis",
  maxDeliveryCount,
  // No retries within a round: one write per sink a round.
  sinkRetry: { budget: "0 millis", initialDelay: "5 millis", maxDelay: "20 millis" },
  recovery: { initialDelay: "50 millis", maxDelay: "250 millis" },
})

describe("an outage never spends a message's last deliveries (issue 10 §3)", () => {
  it.live(
    "writes fail while the probes pass, for many times MaxDeliveryCount rounds: nothing dead-lettered; after recovery everything lands once",
    () =>
      Effect.gen(function* () {
        const bus = yield* emulator
        const client = yield* sdk(bus.connectionString)
        const logs = yield* InMemoryLogAnalytics
        const archive = yield* InMemoryArchive
        yield* client.send
        // Both sinks answer their probes but fail every write (the service taking no uploads of data): each round
        // probes, takes the messages, fails to write them within the retry budget, and declares an outage.
        yield* logs.failNextWrites(Number.MAX_SAFE_INTEGER, "transient")
        yield* archive.failNextWrites(Number.MAX_SAFE_INTEGER, "transient")

        const stop = yield* Deferred.make<void>()
        const readiness = yield* Ref.make(startingState)
        const totals = yield* Ref.make<WorkerTotals | undefined>(undefined)
        // The real adapter, with the SDK's own lock renewal off: only the worker's renewals keep a held message.
        const subscription = yield* ServiceBusEventSubscription.make({
          connection: connectionString(bus.connectionString),
          topicName,
          subscriptionName,
          concurrency: 50,
          maxAutoLockRenewal: 0,
          closeGrace: "1 second",
          watchdog: false,
        }).pipe(Effect.orDie)
        const worker = yield* runWorker(options, stop, (_, sum) => Ref.set(totals, { ...sum }), readiness).pipe(
          Effect.provideService(EventSubscription, subscription),
          Effect.forkChild,
        )
        // Rounds well beyond MaxDeliveryCount, and several lock durations (2 s; the SDK's own renewal is off, and the
        // closing receiver's grace is 1 s): a hand-back a round would have dead-lettered every message by the third.
        const rounds = Effect.map(archive.writes, (writes) => writes.length)
        // The emulator's rounds are slower than the in-memory bus's: poll every 50 ms, for up to a minute.
        yield* until(
          Effect.gen(function* () {
            return (yield* rounds) >= 8 * maxDeliveryCount || (yield* client.deadLettered).length > 0
          }),
          60,
          "50 millis",
        )
        expect((yield* client.deadLettered).map((message) => message.deadLetterReason)).toEqual([])
        const state = yield* Ref.get(readiness)
        expect(state.ready).toBe(false)
        expect(state.reason).toContain("holding")

        yield* logs.clearFaults
        yield* archive.clearFaults
        yield* until(
          Effect.map(Ref.get(totals), (sum) => sum !== undefined && sum.completed === sent),
          60,
          "50 millis",
        )
        yield* Deferred.succeed(stop, undefined)
        const end = yield* Fiber.join(worker)

        expect((yield* client.deadLettered).length).toBe(0)
        expect((yield* client.active).length).toBe(0)
        const ids = Array.from({ length: sent }, (_, i) => `event-${i}`).sort()
        // Once each: the failed writes stored nothing, the one that succeeded stored every record.
        expect((yield* logs.written).map((record) => record.messageId).sort()).toEqual(ids)
        expect((yield* archive.written).map((record) => record.messageId).sort()).toEqual(ids)
        // Every message accounted: the first round handed each back (its second delivery is within one of
        // MaxDeliveryCount 3), the second round held it until the sinks came back.
        expect(end).toEqual({
          received: 2 * sent,
          completed: sent,
          abandoned: sent,
          deadLettered: 0,
          settlementFailures: 0,
        })
      }).pipe(Effect.scoped, Effect.provide(Layer.mergeAll(InMemoryLogAnalytics.layer, InMemoryArchive.layer))),
    120_000,
  )
})
