import { describe, expect, it } from "vitest"
import { logSignals, namespaceConfig, receiveAll, untilTime, useEmulator } from "./support.ts"

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
  // Expiry happens on the emulator's clock; its debug log says when (no guessing how long to sleep).
  const signals = logSignals()
  const bus = useEmulator({ config, logLevel: "debug", logSink: signals.sink })
  const deadLettered = (entity: string) =>
    signals.next("message dead-lettered", { entity, reason: "TTLExpiredException" })
  /** The one message in the dead-letter queue of a queue or of `topic`'s `subscription`. */
  const takeDeadLetter = async (entity: string, subscription?: string) => {
    const options = { subQueueType: "deadLetter", receiveMode: "receiveAndDelete" } as const
    const deadLetters =
      subscription === undefined
        ? bus.client.createReceiver(entity, options)
        : bus.client.createReceiver(entity, subscription, options)
    const [dead] = await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 2000 })
    return dead
  }

  it("dead-letters an expired message when DeadLetteringOnMessageExpiration is on", async () => {
    const expired = deadLettered("dead-lettering")
    await bus.client.createSender("dead-lettering").sendMessages({ body: "stale", timeToLive: 300 })
    await expired
    expect(await bus.client.createReceiver("dead-lettering").peekMessages(5)).toEqual([])
    const dead = await takeDeadLetter("dead-lettering")
    expect(dead?.body).toBe("stale")
    expect(dead?.deadLetterReason).toBe("TTLExpiredException")
    expect(dead?.timeToLive).toBe(300)
  })

  it("drops an expired message when DeadLetteringOnMessageExpiration is off", async () => {
    const sender = bus.client.createSender("dropping")
    const expired = signals.next("message expired", { entity: "dropping" })
    await sender.sendMessages([{ body: "gone", timeToLive: 300 }, { body: "kept" }])
    await expired
    const receiver = bus.client.createReceiver("dropping", { receiveMode: "receiveAndDelete" })
    const [kept] = await receiver.peekMessages(10)
    expect(kept?.body).toBe("kept")
    expect((await receiveAll(receiver, 1)).map((m) => m.body)).toEqual(["kept"])
    const deadLetters = bus.client.createReceiver("dropping", { subQueueType: "deadLetter" })
    expect(await deadLetters.peekMessages(10)).toEqual([])
  })

  it("applies the entity's DefaultMessageTimeToLive when it is shorter than the message's", async () => {
    const expired = deadLettered("short-lived")
    await bus.client.createSender("short-lived").sendMessages({ body: "default ttl", timeToLive: 60_000 })
    await expired
    const dead = await takeDeadLetter("short-lived")
    expect(dead?.body).toBe("default ttl")
    expect(dead?.deadLetterReason).toBe("TTLExpiredException")
  })

  it("applies the topic's DefaultMessageTimeToLive to subscriptions", async () => {
    const expired = deadLettered("feed/Subscriptions/archive")
    await bus.client.createSender("feed").sendMessages({ body: "news" })
    await expired
    expect(await bus.client.createReceiver("feed", "archive").peekMessages(5)).toEqual([])
    const dead = await takeDeadLetter("feed", "archive")
    expect(dead?.body).toBe("news")
  })

  it("does not expire a locked message before its lock is released", async () => {
    await bus.client.createSender("locked-expiry").sendMessages({ body: "in progress", timeToLive: 300 })
    const receiver = bus.client.createReceiver("locked-expiry", { maxAutoLockRenewalDurationInMs: 0 })
    const [message] = await receiver.receiveMessages(1)
    if (message?.expiresAtUtc === undefined) throw new Error("expected a message with a time to live")
    // Real time, 300 ms: the TTL passing while the lock holds is what the test is about; no event marks an expiry
    // that rightly did not happen.
    await untilTime(message.expiresAtUtc.getTime() + 50)
    // Still locked (LockDuration 5 s) although its TTL passed: completing it works.
    await receiver.completeMessage(message)
    const deadLetters = bus.client.createReceiver("locked-expiry", { subQueueType: "deadLetter" })
    expect(await deadLetters.peekMessages(5)).toEqual([])
  })
})
