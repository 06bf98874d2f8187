import type { ServiceBusClient } from "@azure/service-bus"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningEmulator, startEmulator } from "../src/index.ts"
import { failure, namespaceConfig, newClient, sleep } from "./support.ts"

const config = namespaceConfig({
  Queues: [{ Name: "reminders" }, { Name: "cancellable" }, { Name: "via-send" }],
  Topics: [{ Name: "timeline", Subscriptions: [{ Name: "reader" }] }],
})

// Each test has its own entity, so the (mostly waiting) tests run concurrently.
describe.concurrent("scheduled messages", () => {
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

  it("holds a scheduled message until its time, visible to peek as scheduled", async () => {
    const at = new Date(Date.now() + 2000)
    const [sequenceNumber] = await client.createSender("reminders").scheduleMessages({ body: "wake up" }, at)
    expect(sequenceNumber?.toNumber()).toBeGreaterThan(0)
    const receiver = client.createReceiver("reminders", { receiveMode: "receiveAndDelete" })
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
    const sender = client.createSender("cancellable")
    const at = new Date(Date.now() + 1500)
    const [cancelled] = await sender.scheduleMessages({ body: "never" }, at)
    const [kept] = await sender.scheduleMessages({ body: "kept" }, at)
    if (cancelled === undefined || kept === undefined) throw new Error("expected sequence numbers")
    await sender.cancelScheduledMessages(cancelled)
    const again = await failure(sender.cancelScheduledMessages(cancelled))
    expect(again.code).toBe("MessageNotFound")
    await sleep(Math.max(0, at.getTime() - Date.now()) + 300)
    const receiver = client.createReceiver("cancellable", { receiveMode: "receiveAndDelete" })
    const received = await receiver.receiveMessages(5, { maxWaitTimeInMs: 1000 })
    expect(received.map((m) => m.body)).toEqual(["kept"])
  })

  it("schedules on topics and fans out at the scheduled time; cancel works there too", async () => {
    const sender = client.createSender("timeline")
    const at = new Date(Date.now() + 1500)
    const [first, second] = await sender.scheduleMessages([{ body: "t1" }, { body: "t2" }], at)
    if (second === undefined || first === undefined) throw new Error("expected sequence numbers")
    await sender.cancelScheduledMessages([second])
    const receiver = client.createReceiver("timeline", "reader", { receiveMode: "receiveAndDelete" })
    expect(await receiver.peekMessages(5)).toEqual([])
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 })
    expect(message?.body).toBe("t1")
    expect(message?.sequenceNumber?.toNumber()).toBe(first.toNumber())
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 })).toEqual([])
  })

  it("treats a message sent with a future scheduledEnqueueTimeUtc as scheduled", async () => {
    const at = new Date(Date.now() + 1500)
    await client.createSender("via-send").sendMessages({ body: "via send", scheduledEnqueueTimeUtc: at })
    const receiver = client.createReceiver("via-send", { receiveMode: "receiveAndDelete" })
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([])
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 })
    expect(message?.body).toBe("via send")
  })
})
