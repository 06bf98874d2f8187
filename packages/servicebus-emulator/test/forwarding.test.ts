import type { ServiceBusClient } from "@azure/service-bus"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningEmulator, startEmulator } from "../src/index.ts"
import { namespaceConfig, newClient, receiveAll } from "./support.ts"

const config = namespaceConfig({
  Queues: [
    { Name: "inbox", Properties: { ForwardTo: "work" } },
    { Name: "work", Properties: { MaxDeliveryCount: 1, ForwardDeadLetteredMessagesTo: "poison" } },
    { Name: "poison" },
  ],
  Topics: [{ Name: "fanout", Subscriptions: [{ Name: "to-inbox", Properties: { ForwardTo: "inbox" } }] }],
})

describe("auto-forwarding", () => {
  let emulator: RunningEmulator
  let client: ServiceBusClient

  beforeAll(async () => {
    emulator = await startEmulator({ config })
    client = newClient(emulator.connectionString)
  })

  afterAll(async () => {
    await client?.close()
    await emulator?.close()
  })

  it("forwards through ForwardTo chains (subscription → queue → queue)", async () => {
    await client.createSender("fanout").sendMessages({ body: "hop", applicationProperties: { origin: "topic" } })
    expect(await client.createReceiver("inbox").peekMessages(5)).toEqual([])
    const [message] = await receiveAll(client.createReceiver("work", { receiveMode: "receiveAndDelete" }), 1)
    expect(message?.body).toBe("hop")
    expect(message?.applicationProperties).toEqual({ origin: "topic" })
  })

  it("forwards dead-lettered messages to ForwardDeadLetteredMessagesTo with their reason and source", async () => {
    await client.createSender("work").sendMessages({ body: "unprocessable" })
    const receiver = client.createReceiver("work", { maxAutoLockRenewalDurationInMs: 0 })
    const [message] = await receiver.receiveMessages(1)
    if (message === undefined) throw new Error("expected a message")
    await receiver.abandonMessage(message)
    expect(await client.createReceiver("work", { subQueueType: "deadLetter" }).peekMessages(5)).toEqual([])
    const [forwarded] = await receiveAll(client.createReceiver("poison", { receiveMode: "receiveAndDelete" }), 1)
    expect(forwarded?.body).toBe("unprocessable")
    expect(forwarded?.deadLetterReason).toBe("MaxDeliveryCountExceeded")
    expect(forwarded?.deadLetterSource).toBe("work")
  })
})
