import type { ServiceBusReceivedMessage } from "@azure/service-bus"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EventBusClient, EventTooLarge } from "../src/index.ts"
import { deriveMessageId } from "../src/MessageEncoding.ts"
import { bodyJson, drain, resourceCreated, startTestBus, type TestBus } from "./support/testBus.ts"

describe("EventBusClient", () => {
  let bus: TestBus
  beforeAll(async () => {
    bus = await startTestBus([
      { name: "batched" },
      { name: "oversize" },
      { name: "on-close" },
      { name: "flushed" },
      { name: "pipelined" },
      { name: "one-at-a-time" },
      { name: "snapshot" },
    ])
  })
  afterAll(() => bus.close())

  it("publishes batches in call order with JSON bodies, subject, filter properties and derived ids", async () => {
    const client = new EventBusClient({ connectionString: bus.connectionString, topicName: "batched", batchSize: 3 })
    const events = Array.from({ length: 7 }, (_, i) => resourceCreated(`vm${i}`))
    await Promise.all(events.map((event) => client.publish(event)))
    await client.close()

    const received = await drain(bus.connectionString, "batched", "orchestrator-sub", 7)
    expect(received.map(bodyJson)).toEqual(events)
    for (const [i, message] of received.entries()) {
      expect(message.contentType).toBe("application/json")
      expect(message.subject).toBe("resource_created")
      expect(message.applicationProperties).toMatchObject({
        event_type: "resource_created",
        run_id: "run-123",
        scenario_name: "test-scenario",
      })
      expect(message.messageId).toBe(deriveMessageId(events[i] ?? {}))
    }
  })

  it("refuses an event that can never fit a message, and still publishes the others", async () => {
    const client = new EventBusClient({ connectionString: bus.connectionString, topicName: "oversize" })
    const huge = resourceCreated("huge", { details: "x".repeat(400 * 1024) })
    const small = resourceCreated("small")
    const [hugeResult, smallResult] = await Promise.allSettled([client.publish(huge), client.publish(small)])
    await client.close()

    expect(smallResult.status).toBe("fulfilled")
    expect(hugeResult.status).toBe("rejected")
    const error = (hugeResult as PromiseRejectedResult).reason
    expect(error).toBeInstanceOf(EventTooLarge)
    expect(error.code).toBe("MessageSizeExceeded")
    expect(error.message).toContain("resource_created")
    expect(error.sizeInBytes).toBeGreaterThan(error.maxSizeInBytes)
    const received = await drain(bus.connectionString, "oversize", "orchestrator-sub", 1)
    expect(received.map(bodyJson)).toEqual([small])
  })

  it("close() sends what is still queued", async () => {
    const client = new EventBusClient({
      connectionString: bus.connectionString,
      topicName: "on-close",
      batchSize: 50,
      flushIntervalMs: 60_000,
    })
    const pending = [client.publish(resourceCreated("a")), client.publish(resourceCreated("b"))]
    await client.close()
    await Promise.all(pending)
    const received = await drain(bus.connectionString, "on-close", "orchestrator-sub", 2)
    expect(received.map((m) => (bodyJson(m) as { resource_name: string }).resource_name)).toEqual(["a", "b"])
    await expect(client.publish(resourceCreated("late"))).rejects.toMatchObject({ code: "ClientClosed" })
  })

  it("flush() sends a partial batch without waiting for the interval", async () => {
    const client = new EventBusClient({
      connectionString: bus.connectionString,
      topicName: "flushed",
      batchSize: 50,
      flushIntervalMs: 60_000,
    })
    let accepted = false
    const publishing = client.publishAll([resourceCreated("f1"), resourceCreated("f2")]).then(() => {
      accepted = true
    })
    await client.flush()
    await publishing
    expect(accepted).toBe(true)
    const received = await drain(bus.connectionString, "flushed", "orchestrator-sub", 2)
    expect(received).toHaveLength(2)
    await client.close()
  })

  it.each([
    ["pipelined", undefined],
    ["one-at-a-time", 1],
  ] as const)("keeps publish order across many batches on %s sends", async (topicName, maxInFlightBatches) => {
    const client = new EventBusClient({
      connectionString: bus.connectionString,
      topicName,
      batchSize: 7,
      ...(maxInFlightBatches === undefined ? {} : { maxInFlightBatches }),
    })
    const events = Array.from({ length: 120 }, (_, i) => resourceCreated(`o${i}`))
    await Promise.all(events.map((event) => client.publish(event)))
    await client.close()
    const received = await drain(bus.connectionString, topicName, "orchestrator-sub", events.length)
    expect(received.map((m) => (bodyJson(m) as { resource_name: string }).resource_name)).toEqual(
      events.map((event) => event.resource_name),
    )
  })

  it("sends an event as it was when published, even if the caller changes it before the batch is packed", async () => {
    const client = new EventBusClient({
      connectionString: bus.connectionString,
      topicName: "snapshot",
      flushIntervalMs: 60_000,
    })
    const event = resourceCreated("before")
    const options = { applicationProperties: { agent_id: "a1" } }
    const published = client.publish(event, options)
    event.resource_name = "after"
    options.applicationProperties.agent_id = "a2"
    await client.close()
    await published
    const [message] = await drain(bus.connectionString, "snapshot", "orchestrator-sub", 1)
    expect((bodyJson(message as ServiceBusReceivedMessage) as { resource_name: string }).resource_name).toBe("before")
    expect(message?.applicationProperties?.agent_id).toBe("a1")
  })
})
