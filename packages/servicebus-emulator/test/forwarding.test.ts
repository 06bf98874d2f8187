import { describe, expect, it } from "vitest"
import { namespaceConfig, receiveAll, useEmulator } from "./support.ts"

const config = namespaceConfig({
  Queues: [
    { Name: "inbox", Properties: { ForwardTo: "work" } },
    { Name: "work", Properties: { MaxDeliveryCount: 1, ForwardDeadLetteredMessagesTo: "poison" } },
    { Name: "poison" },
  ],
  Topics: [{ Name: "fanout", Subscriptions: [{ Name: "to-inbox", Properties: { ForwardTo: "inbox" } }] }],
})

describe("auto-forwarding", () => {
  const bus = useEmulator({ config })

  it("forwards through ForwardTo chains (subscription → queue → queue)", async () => {
    await bus.client.createSender("fanout").sendMessages({ body: "hop", applicationProperties: { origin: "topic" } })
    expect(await bus.client.createReceiver("inbox").peekMessages(5)).toEqual([])
    const [message] = await receiveAll(bus.client.createReceiver("work", { receiveMode: "receiveAndDelete" }), 1)
    expect(message?.body).toBe("hop")
    expect(message?.applicationProperties).toEqual({ origin: "topic" })
  })

  it("forwards dead-lettered messages to ForwardDeadLetteredMessagesTo with their reason and source", async () => {
    await bus.client.createSender("work").sendMessages({ body: "unprocessable" })
    const receiver = bus.client.createReceiver("work", { maxAutoLockRenewalDurationInMs: 0 })
    const [message] = await receiver.receiveMessages(1)
    if (message === undefined) throw new Error("expected a message")
    await receiver.abandonMessage(message)
    expect(await bus.client.createReceiver("work", { subQueueType: "deadLetter" }).peekMessages(5)).toEqual([])
    const [forwarded] = await receiveAll(bus.client.createReceiver("poison", { receiveMode: "receiveAndDelete" }), 1)
    expect(forwarded?.body).toBe("unprocessable")
    expect(forwarded?.deadLetterReason).toBe("MaxDeliveryCountExceeded")
    expect(forwarded?.deadLetterSource).toBe("work")
  })
})
