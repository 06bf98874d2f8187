import { EventSubscription, type ReceivedMessage } from "@haymaker/domain"
import { Effect, Exit, Stream } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectionString, EventBusClient, ServiceBusEventSubscription } from "../src/index.ts"
import { drain, resourceCreated, startTestBus, type TestBus } from "./support/testBus.ts"

// The subscriptions' lock lasts 2 s; the slow handler takes 5 s.
const slowHandlerMs = 5_000

const subscription = (bus: TestBus, topicName: string, maxAutoLockRenewalMs: number) =>
  ServiceBusEventSubscription.layer({
    connection: connectionString(bus.connectionString),
    topicName,
    subscriptionName: "orchestrator-sub",
    concurrency: 2,
    maxAutoLockRenewalMs,
    watchdog: false,
    closeGraceMs: 1_000,
  })

describe("lock renewal", () => {
  let bus: TestBus
  beforeAll(async () => {
    bus = await startTestBus([
      { name: "renewed" },
      { name: "not-renewed" },
      { name: "abandoned-by-consumer", subscriptions: [{ name: "orchestrator-sub", lockDuration: "PT1S" }] },
    ])
    for (const topicName of ["renewed", "not-renewed", "abandoned-by-consumer"]) {
      const client = new EventBusClient({ connectionString: bus.connectionString, topicName })
      await client.publish(resourceCreated("slow"))
      await client.close()
    }
  })
  afterAll(() => bus.close())

  it("keeps a slow handler's message locked, so completing it succeeds and it is not redelivered", async () => {
    const deliveries: Array<number> = []
    const outcomes = await Effect.gen(function* () {
      const { messages } = yield* EventSubscription
      return yield* messages.pipe(
        Stream.mapEffect((message) =>
          Effect.gen(function* () {
            deliveries.push(message.deliveryCount)
            yield* Effect.sleep(slowHandlerMs)
            return yield* Effect.exit(message.complete)
          }),
        ),
        Stream.take(1),
        Stream.runCollect,
      )
    }).pipe(Effect.provide(subscription(bus, "renewed", 60_000)), Effect.runPromise)

    expect(outcomes.map(Exit.isSuccess)).toEqual([true])
    expect(deliveries).toHaveLength(1)
    expect(await drain(bus.connectionString, "renewed", "orchestrator-sub", 1, { maxWaitMs: 500 })).toEqual([])
  }, 20_000)

  it("without renewal, a handler slower than the lock sees the message delivered again and loses the lock", async () => {
    const seen: Array<ReceivedMessage> = []
    const outcomes = await Effect.gen(function* () {
      const { messages } = yield* EventSubscription
      // The first delivery is held past its lock; the redelivery arrives meanwhile and is completed at once.
      return yield* messages.pipe(
        Stream.mapEffect(
          (message) =>
            Effect.gen(function* () {
              seen.push(message)
              if (seen.length === 1) yield* Effect.sleep(slowHandlerMs)
              return yield* Effect.exit(message.complete)
            }),
          { concurrency: 2 },
        ),
        Stream.take(2),
        Stream.runCollect,
      )
    }).pipe(Effect.provide(subscription(bus, "not-renewed", 0)), Effect.runPromise)

    expect(seen).toHaveLength(2)
    expect(seen[0]?.messageId).toBe(seen[1]?.messageId)
    expect(seen[1]?.deliveryCount).toBeGreaterThan(seen[0]?.deliveryCount ?? 0)
    const [late, redelivered] = outcomes
    expect(redelivered !== undefined && Exit.isSuccess(redelivered)).toBe(true)
    expect(late !== undefined && Exit.isFailure(late)).toBe(true)
    expect(JSON.stringify(late)).toContain("LockLost")
  }, 20_000)

  it("frees the slot of a message nobody settles once its lock is certainly gone, so receiving goes on", async () => {
    // One slot, no renewal, a 1 s lock: the first delivery is dropped on the floor by the consumer. The broker can
    // deliver again only once the adapter stops holding that message (lock + grace), and then the redelivery comes.
    const seen: Array<number> = []
    await Effect.gen(function* () {
      const { messages } = yield* EventSubscription
      yield* messages.pipe(
        Stream.mapEffect((message) => {
          seen.push(message.deliveryCount)
          return seen.length === 1 ? Effect.void : message.complete
        }),
        Stream.take(2),
        Stream.runDrain,
      )
    }).pipe(
      Effect.provide(
        ServiceBusEventSubscription.layer({
          connection: connectionString(bus.connectionString),
          topicName: "abandoned-by-consumer",
          subscriptionName: "orchestrator-sub",
          concurrency: 1,
          maxAutoLockRenewalMs: 0,
          watchdog: false,
          closeGraceMs: 1_000,
        }),
      ),
      Effect.runPromise,
    )
    expect(seen).toHaveLength(2)
    expect(seen[1]).toBeGreaterThan(seen[0] ?? 0)
    expect(
      await drain(bus.connectionString, "abandoned-by-consumer", "orchestrator-sub", 1, { maxWaitMs: 500 }),
    ).toEqual([])
  }, 20_000)
})
