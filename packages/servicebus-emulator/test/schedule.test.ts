import { describe, expect, it } from "vitest"
import { failure, namespaceConfig, useEmulator } from "./support.ts"

const config = namespaceConfig({
  Queues: [{ Name: "reminders" }, { Name: "cancellable" }, { Name: "via-send" }],
  Topics: [
    { Name: "timeline", Subscriptions: [{ Name: "reader" }] },
    { Name: "calendar", Subscriptions: [{ Name: "reader" }] },
  ],
})

// Each test has its own entity, so the (mostly waiting) tests run concurrently.
describe.concurrent("scheduled messages", () => {
  const bus = useEmulator({ config })

  it("holds a scheduled message until its time, visible to peek as scheduled", async () => {
    const at = new Date(Date.now() + 2000)
    const [sequenceNumber] = await bus.client.createSender("reminders").scheduleMessages({ body: "wake up" }, at)
    expect(sequenceNumber?.toNumber()).toBeGreaterThan(0)
    const receiver = bus.client.createReceiver("reminders", { receiveMode: "receiveAndDelete" })
    const [peeked] = await receiver.peekMessages(1)
    expect(peeked?.state).toBe("scheduled")
    expect(peeked?.scheduledEnqueueTimeUtc?.getTime()).toBe(at.getTime())
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([])
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 })
    expect(message?.body).toBe("wake up")
    expect(message?.state).toBe("active")
    expect(message?.sequenceNumber?.toNumber()).toBe(sequenceNumber?.toNumber())
    expect(message?.enqueuedTimeUtc?.getTime()).toBeGreaterThanOrEqual(at.getTime())
  })

  it("cancels a scheduled message so it never appears", async () => {
    const sender = bus.client.createSender("cancellable")
    const at = new Date(Date.now() + 1500)
    const [cancelled] = await sender.scheduleMessages({ body: "never" }, at)
    const [kept] = await sender.scheduleMessages({ body: "kept" }, at)
    if (cancelled === undefined || kept === undefined) throw new Error("expected sequence numbers")
    await sender.cancelScheduledMessages(cancelled)
    const again = await failure(sender.cancelScheduledMessages(cancelled))
    expect(again.code).toBe("MessageNotFound")
    // Both were due at the same time: once "kept" arrives, "never" would have arrived too.
    const receiver = bus.client.createReceiver("cancellable", { receiveMode: "receiveAndDelete" })
    const [received] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 10_000 })
    expect(received?.body).toBe("kept")
    expect(await receiver.peekMessages(5)).toEqual([])
  })

  it("schedules on topics and fans out at the scheduled time; cancel works there too", async () => {
    const sender = bus.client.createSender("timeline")
    const at = new Date(Date.now() + 1500)
    const [first, second] = await sender.scheduleMessages([{ body: "t1" }, { body: "t2" }], at)
    if (second === undefined || first === undefined) throw new Error("expected sequence numbers")
    await sender.cancelScheduledMessages([second])
    const receiver = bus.client.createReceiver("timeline", "reader", { receiveMode: "receiveAndDelete" })
    expect(await receiver.peekMessages(5)).toEqual([])
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 })
    expect(message?.body).toBe("t1")
    expect(message?.sequenceNumber?.toNumber()).toBe(first.toNumber())
    // The cancelled one was due at the same time: it would be there by now.
    expect(await receiver.peekMessages(5)).toEqual([])
  })

  it("treats a message sent with a future scheduledEnqueueTimeUtc as scheduled", async () => {
    const at = new Date(Date.now() + 1500)
    await bus.client.createSender("via-send").sendMessages({ body: "via send", scheduledEnqueueTimeUtc: at })
    const receiver = bus.client.createReceiver("via-send", { receiveMode: "receiveAndDelete" })
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([])
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 })
    expect(message?.body).toBe("via send")
  })

  it("shows a topic's scheduled messages when the topic itself is peeked, until they fan out", async () => {
    const at = new Date(Date.now() + 60_000)
    const [first, second] = await bus.client
      .createSender("calendar")
      .scheduleMessages([{ body: "c1" }, { body: "c2" }], at)
    if (first === undefined || second === undefined) throw new Error("expected sequence numbers")
    // The Service Bus SDKs document a receiver on the topic's name for this; it can only peek.
    const atTopic = bus.client.createReceiver("calendar")
    const peeked = await atTopic.peekMessages(10)
    expect(peeked.map((m) => [m.body, m.state, m.sequenceNumber?.toNumber()])).toEqual([
      ["c1", "scheduled", first.toNumber()],
      ["c2", "scheduled", second.toNumber()],
    ])
    expect(peeked[0]?.scheduledEnqueueTimeUtc?.getTime()).toBe(at.getTime())
    await bus.client.createSender("calendar").cancelScheduledMessages([first, second])
    expect(await atTopic.peekMessages(10, { fromSequenceNumber: first })).toEqual([])
    expect((await failure(atTopic.receiveMessages(1))).message).toContain("Cannot receive from topic")
  })
})
