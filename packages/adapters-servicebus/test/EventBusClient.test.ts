import type { ServiceBusReceivedMessage } from "@azure/service-bus"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { EventBusClient, EventTooLarge } from "../src/index.ts"
import { deriveMessageId } from "../src/MessageEncoding.ts"
import { bodyJson, drain, expectMarkedAs, resourceCreated, startTestBus, type TestBus } from "./support/testBus.ts"

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
      { name: "logged" },
      { name: "quiet" },
    ])
  })
  afterAll(() => bus.close())

  /** A client whose partial batches wait a minute: only a flush or a close sends them. */
  const holdingClient = (topicName: string) =>
    new EventBusClient({ connectionString: bus.connectionString, topicName, batchSize: 50, flushIntervalMs: 60_000 })

  const namesOf = (messages: ReadonlyArray<ServiceBusReceivedMessage>) =>
    messages.map((message) => (bodyJson(message) as { resource_name: string }).resource_name)

  it("publishes batches in call order with JSON bodies, subject, filter properties and derived ids", async () => {
    const client = new EventBusClient({ connectionString: bus.connectionString, topicName: "batched", batchSize: 3 })
    const events = Array.from({ length: 7 }, (_, i) => resourceCreated(`vm${i}`))
    await Promise.all(events.map((event) => client.publish(event)))
    await client.close()

    const received = await drain(bus.connectionString, "batched", "orchestrator-sub", 7)
    expect(received.map(bodyJson)).toEqual(events)
    for (const [i, event] of events.entries()) {
      expectMarkedAs(received[i] ?? {}, event)
      expect(received[i]?.messageId).toBe(deriveMessageId(event))
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
    const client = holdingClient("on-close")
    const pending = [client.publish(resourceCreated("a")), client.publish(resourceCreated("b"))]
    await client.close()
    await Promise.all(pending)
    const received = await drain(bus.connectionString, "on-close", "orchestrator-sub", 2)
    expect(namesOf(received)).toEqual(["a", "b"])
    await expect(client.publish(resourceCreated("late"))).rejects.toMatchObject({ code: "ClientClosed" })
  })

  it("flush() sends a partial batch without waiting for the interval", async () => {
    const client = holdingClient("flushed")
    let accepted = false
    const publishing = client.publishAll([resourceCreated("f1"), resourceCreated("f2")]).then(() => {
      accepted = true
    })
    // Without the flush the partial batch would wait a minute: the broker holds both events once it resolves.
    await client.flush()
    const received = await drain(bus.connectionString, "flushed", "orchestrator-sub", 2)
    expect(namesOf(received)).toEqual(["f1", "f2"])
    await publishing
    expect(accepted).toBe(true)
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
    expect(namesOf(received)).toEqual(events.map((event) => event.resource_name))
  })

  it("sends an event as it was when published, even if the caller changes it before the batch is packed", async () => {
    const client = holdingClient("snapshot")
    const event = resourceCreated("before")
    const options = { applicationProperties: { agent_id: "a1" } }
    const published = client.publish(event, options)
    event.resource_name = "after"
    options.applicationProperties.agent_id = "a2"
    await client.close()
    await published
    const received = await drain(bus.connectionString, "snapshot", "orchestrator-sub", 1)
    expect(namesOf(received)).toEqual(["before"])
    expect(received[0]?.applicationProperties?.agent_id).toBe("a1")
  })

  it("logs at the level each client was given, with no level shared between clients", async () => {
    const lines: Array<string> = []
    const spies = (["log", "info", "debug", "warn", "error", "trace"] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation((...args: Array<unknown>) => {
        lines.push(args.map(String).join(" "))
      }),
    )
    try {
      const debug = new EventBusClient({
        connectionString: bus.connectionString,
        topicName: "logged",
        logLevel: "Debug",
      })
      const quiet = new EventBusClient({ connectionString: bus.connectionString, topicName: "quiet" })
      await Promise.all([debug.publish(resourceCreated("d1")), quiet.publish(resourceCreated("q1"))])
      await Promise.all([debug.close(), quiet.close()])
    } finally {
      for (const spy of spies) spy.mockRestore()
    }
    expect(lines.filter((line) => line.includes("Published 1 event(s) to logged: resource_created x1"))).toHaveLength(1)
    expect(lines.filter((line) => line.includes("quiet"))).toEqual([])
  })
})
