import { describe, expect, it } from "vitest"
import { failure, namespaceConfig, receiveAll, useEmulator } from "./support.ts"

const config = namespaceConfig({
  Queues: [{ Name: "jobs" }, { Name: "small", Properties: { MaxMessageSizeInKilobytes: 64 } }],
  Topics: [
    {
      Name: "events",
      Subscriptions: [
        { Name: "everything" },
        {
          Name: "created",
          Rules: [
            {
              Name: "created-only",
              Properties: { FilterType: "Correlation", CorrelationFilter: { Label: "resource_created" } },
            },
          ],
        },
        {
          Name: "eastus-or-tagged",
          Rules: [
            {
              Name: "eastus",
              Properties: { FilterType: "Correlation", CorrelationFilter: { Properties: { region: "eastus" } } },
            },
            {
              Name: "tagged",
              Properties: { FilterType: "Correlation", CorrelationFilter: { CorrelationId: "run-42", To: "ops" } },
            },
          ],
        },
        {
          Name: "nothing",
          Rules: [{ Name: "never", Properties: { FilterType: "Sql", SqlFilter: { SqlExpression: "1=0" } } }],
        },
      ],
    },
  ],
})

describe("sending", () => {
  const bus = useEmulator({ config })

  it("keeps every message property across a send and a receive", async () => {
    const sender = bus.client.createSender("jobs")
    const sentAt = Date.now()
    const sent = {
      body: { resource_id: "r-1", kind: "vm" },
      messageId: "m-1",
      correlationId: "c-1",
      subject: "resource_created",
      contentType: "application/json",
      to: "worker",
      replyTo: "replies",
      timeToLive: 60_000,
      applicationProperties: { region: "eastus", attempt: 3, urgent: true },
    }
    await sender.sendMessages(sent)
    const receiver = bus.client.createReceiver("jobs", { receiveMode: "receiveAndDelete" })
    const [message] = await receiver.receiveMessages(1)
    expect(message).toMatchObject({ ...sent, deliveryCount: 0, state: "active" })
    expect(message?.enqueuedTimeUtc?.getTime()).toBeGreaterThanOrEqual(sentAt - 1000)
    expect(message?.expiresAtUtc?.getTime()).toBe((message?.enqueuedTimeUtc?.getTime() ?? 0) + 60_000)
  })

  it("assigns a message id when the sender sets none", async () => {
    await bus.client.createSender("jobs").sendMessages({ body: "anonymous" })
    const [message] = await bus.client.createReceiver("jobs", { receiveMode: "receiveAndDelete" }).receiveMessages(1)
    expect(message?.body).toBe("anonymous")
    // A UUID's 32 hex digits, as Service Bus assigns them.
    expect(message?.messageId).toMatch(/^[0-9a-f]{32}$/)
  })

  it("sends arrays and batches (format 0x80013700) in order with increasing sequence numbers", async () => {
    const sender = bus.client.createSender("jobs")
    await sender.sendMessages([{ body: 0 }, { body: 1 }, { body: 2 }])
    const batch = await sender.createMessageBatch()
    for (let i = 3; i < 50; i++) expect(batch.tryAddMessage({ body: i })).toBe(true)
    await sender.sendMessages(batch)
    const received = await receiveAll(bus.client.createReceiver("jobs", { receiveMode: "receiveAndDelete" }), 50)
    expect(received.map((m) => m.body)).toEqual(Array.from({ length: 50 }, (_, i) => i))
    const sequenceNumbers = received.map((m) => m.sequenceNumber?.toNumber() ?? 0)
    expect(sequenceNumbers).toEqual([...sequenceNumbers].sort((a, b) => a - b))
    expect(new Set(sequenceNumbers).size).toBe(50)
  })

  it("advertises the maximum message size, 256 KB by default and configurable per entity", async () => {
    expect((await bus.client.createSender("jobs").createMessageBatch()).maxSizeInBytes).toBe(256 * 1024)
    expect((await bus.client.createSender("small").createMessageBatch()).maxSizeInBytes).toBe(64 * 1024)
  })

  it("carries a message just under the limit", async () => {
    const body = Buffer.alloc(250 * 1024, 7)
    await bus.client.createSender("jobs").sendMessages({ body })
    const [message] = await bus.client.createReceiver("jobs", { receiveMode: "receiveAndDelete" }).receiveMessages(1)
    expect(Buffer.compare(message?.body as Buffer, body)).toBe(0)
  })

  it("refuses an oversize message with MessageSizeExceeded", async () => {
    const error = await failure(bus.client.createSender("jobs").sendMessages({ body: Buffer.alloc(300 * 1024) }))
    expect(error.code).toBe("MessageSizeExceeded")
    const small = await failure(bus.client.createSender("small").sendMessages({ body: Buffer.alloc(100 * 1024) }))
    expect(small.code).toBe("MessageSizeExceeded")
    expect(await bus.client.createReceiver("small").peekMessages(5)).toEqual([])
  })

  it("fans a topic message out to every subscription whose rules match", async () => {
    const sender = bus.client.createSender("events")
    await sender.sendMessages([
      { body: "a", subject: "resource_created", applicationProperties: { region: "westeu" } },
      { body: "b", subject: "resource_deleted", applicationProperties: { region: "eastus" } },
      { body: "c", subject: "resource_deleted", correlationId: "run-42", to: "ops" },
      { body: "d", subject: "resource_deleted", correlationId: "run-42", to: "someone-else" },
    ])
    const bodies = async (subscription: string, count: number) =>
      (
        await receiveAll(
          bus.client.createReceiver("events", subscription, { receiveMode: "receiveAndDelete" }),
          count,
          count === 0 ? 300 : 5000,
        )
      ).map((m) => m.body)
    expect(await bodies("everything", 4)).toEqual(["a", "b", "c", "d"])
    expect(await bodies("created", 1)).toEqual(["a"])
    expect(await bodies("eastus-or-tagged", 2)).toEqual(["b", "c"])
    expect(await bus.client.createReceiver("events", "nothing").peekMessages(10)).toEqual([])
  })

  it("shares one sequence number among a topic message's copies", async () => {
    await bus.client.createSender("events").sendMessages({ body: "shared", subject: "resource_created" })
    const [all] = await bus.client
      .createReceiver("events", "everything", { receiveMode: "receiveAndDelete" })
      .receiveMessages(1)
    const [created] = await bus.client
      .createReceiver("events", "created", { receiveMode: "receiveAndDelete" })
      .receiveMessages(1)
    expect(all?.body).toBe("shared")
    expect(created?.sequenceNumber?.toNumber()).toBe(all?.sequenceNumber?.toNumber())
  })

  it("refuses to receive from a topic itself", async () => {
    const error = await failure(bus.client.createReceiver("events").receiveMessages(1, { maxWaitTimeInMs: 100 }))
    expect(error.message).toContain("subscriptions")
  })
})
