import { EventSubscription } from "@haymaker/domain"
import { Effect, Stream } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectionString, EventBusClient, ServiceBusEventSubscription } from "../src/index.ts"
import { bodyJson, drain, resourceCreated, startTestBus, type TestBus } from "./support/testBus.ts"

describe("closing the subscription stream", () => {
  let bus: TestBus
  beforeAll(async () => {
    bus = await startTestBus([{ name: "closing", subscriptions: [{ name: "orchestrator-sub", lockDuration: "PT1M" }] }])
    const client = new EventBusClient({ connectionString: bus.connectionString, topicName: "closing" })
    await client.publishAll(["c1", "c2", "c3", "c4"].map((name) => resourceCreated(name)))
    await client.close()
  })
  afterAll(() => bus.close())

  it("abandons the deliveries the consumer never pulled at once, instead of holding them for the grace period", async () => {
    // Four slots, so all four messages are delivered; the consumer takes one and ends the stream. The other three
    // sit in the stream's buffer: nobody can settle them, so they go back to the subscription right away (the
    // default grace period of 30 s, and the 1 min lock, are both longer than this test may run).
    const taken = await Effect.gen(function* () {
      const { messages } = yield* EventSubscription
      return yield* messages.pipe(
        Stream.take(1),
        Stream.mapEffect((message) => Effect.as(message.complete, message.messageId)),
        Stream.runCollect,
      )
    }).pipe(
      Effect.provide(
        ServiceBusEventSubscription.layer({
          connection: connectionString(bus.connectionString),
          topicName: "closing",
          subscriptionName: "orchestrator-sub",
          concurrency: 4,
          watchdog: false,
        }),
      ),
      Effect.runPromise,
    )
    expect(taken).toHaveLength(1)
    const rest = await drain(bus.connectionString, "closing", "orchestrator-sub", 3, { maxWaitMs: 3_000 })
    expect(rest.map((message) => (bodyJson(message) as { resource_name: string }).resource_name).sort()).toHaveLength(3)
    expect(rest.every((message) => (message.deliveryCount ?? 0) >= 1)).toBe(true)
  }, 10_000)
})
