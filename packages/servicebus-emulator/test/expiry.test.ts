import { describe, expect, it } from "vitest"
import { namespaceConfig, sleep, useEmulator } from "./support.ts"

const config = namespaceConfig({
  Queues: [
    { Name: "dead-lettering", Properties: { DeadLetteringOnMessageExpiration: true } },
    { Name: "dropping", Properties: { DeadLetteringOnMessageExpiration: false } },
    { Name: "short-lived", Properties: { DefaultMessageTimeToLive: "PT0.3S", DeadLetteringOnMessageExpiration: true } },
    { Name: "locked-expiry", Properties: { DeadLetteringOnMessageExpiration: true, LockDuration: "PT5S" } },
  ],
  Topics: [
    {
      Name: "feed",
      Properties: { DefaultMessageTimeToLive: "PT0.3S" },
      Subscriptions: [{ Name: "archive", Properties: { DeadLetteringOnMessageExpiration: true } }],
    },
  ],
})

// Each test has its own entity, so the (mostly waiting) tests run concurrently.
describe.concurrent("message time to live", () => {
  const bus = useEmulator({ config })

  it("dead-letters an expired message when DeadLetteringOnMessageExpiration is on", async () => {
    await bus.client.createSender("dead-lettering").sendMessages({ body: "stale", timeToLive: 300 })
    await sleep(600)
    const receiver = bus.client.createReceiver("dead-lettering")
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([])
    const deadLetters = bus.client.createReceiver("dead-lettering", {
      subQueueType: "deadLetter",
      receiveMode: "receiveAndDelete",
    })
    const [dead] = await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 2000 })
    expect(dead?.body).toBe("stale")
    expect(dead?.deadLetterReason).toBe("TTLExpiredException")
    expect(dead?.timeToLive).toBe(300)
  })

  it("drops an expired message when DeadLetteringOnMessageExpiration is off", async () => {
    const sender = bus.client.createSender("dropping")
    await sender.sendMessages([{ body: "gone", timeToLive: 300 }, { body: "kept" }])
    await sleep(600)
    const receiver = bus.client.createReceiver("dropping", { receiveMode: "receiveAndDelete" })
    expect((await receiver.peekMessages(10)).map((m) => m.body)).toEqual(["kept"])
    expect((await receiver.receiveMessages(5, { maxWaitTimeInMs: 300 })).map((m) => m.body)).toEqual(["kept"])
    const deadLetters = bus.client.createReceiver("dropping", { subQueueType: "deadLetter" })
    expect(await deadLetters.peekMessages(10)).toEqual([])
  })

  it("applies the entity's DefaultMessageTimeToLive when it is shorter than the message's", async () => {
    await bus.client.createSender("short-lived").sendMessages({ body: "default ttl", timeToLive: 60_000 })
    await sleep(600)
    const deadLetters = bus.client.createReceiver("short-lived", {
      subQueueType: "deadLetter",
      receiveMode: "receiveAndDelete",
    })
    const [dead] = await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 2000 })
    expect(dead?.body).toBe("default ttl")
    expect(dead?.deadLetterReason).toBe("TTLExpiredException")
  })

  it("applies the topic's DefaultMessageTimeToLive to subscriptions", async () => {
    await bus.client.createSender("feed").sendMessages({ body: "news" })
    await sleep(600)
    expect(await bus.client.createReceiver("feed", "archive").peekMessages(5)).toEqual([])
    const deadLetters = bus.client.createReceiver("feed", "archive", {
      subQueueType: "deadLetter",
      receiveMode: "receiveAndDelete",
    })
    const [dead] = await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 2000 })
    expect(dead?.body).toBe("news")
  })

  it("does not expire a locked message before its lock is released", async () => {
    await bus.client.createSender("locked-expiry").sendMessages({ body: "in progress", timeToLive: 300 })
    const receiver = bus.client.createReceiver("locked-expiry", { maxAutoLockRenewalDurationInMs: 0 })
    const [message] = await receiver.receiveMessages(1)
    if (message === undefined) throw new Error("expected a message")
    await sleep(500)
    // Still locked (LockDuration 5 s) although its TTL passed: completing it works.
    await receiver.completeMessage(message)
    const deadLetters = bus.client.createReceiver("locked-expiry", { subQueueType: "deadLetter" })
    expect(await deadLetters.peekMessages(5)).toEqual([])
  })
})
