import type { ServiceBusReceiver } from "@azure/service-bus"
import { describe, expect, it } from "vitest"
import { logSignals, namespaceConfig, receiveAll, useEmulator } from "./support.ts"

const detecting = { RequiresDuplicateDetection: true, DuplicateDetectionHistoryTimeWindow: "PT30S" }

const config = namespaceConfig({
  Queues: [
    { Name: "orders", Properties: detecting },
    { Name: "batches", Properties: detecting },
    { Name: "scheduled", Properties: detecting },
    {
      Name: "short-window",
      Properties: { RequiresDuplicateDetection: true, DuplicateDetectionHistoryTimeWindow: "PT0.5S" },
    },
    { Name: "not-detecting", Properties: { DuplicateDetectionHistoryTimeWindow: "PT30S" } },
    { Name: "forward-target", Properties: detecting },
    { Name: "forwarding", Properties: { ForwardTo: "forward-target" } },
  ],
  Topics: [{ Name: "events", Properties: detecting, Subscriptions: [{ Name: "a" }, { Name: "b" }] }],
})

/** Receives `expected` messages and checks nothing else is left (every send was accepted before this runs). */
const drain = async (receiver: ServiceBusReceiver, expected: number): Promise<Array<unknown>> => {
  const received = await receiveAll(receiver, expected)
  const first = received[0]?.sequenceNumber
  if (first !== undefined) expect(await receiver.peekMessages(10, { fromSequenceNumber: first })).toEqual([])
  return received.map((m) => m.body)
}

describe.concurrent("duplicate detection", () => {
  const signals = logSignals()
  const bus = useEmulator({ config, logLevel: "debug", logSink: signals.sink })
  const drainQueue = (queue: string, expected: number) =>
    drain(bus.client.createReceiver(queue, { receiveMode: "receiveAndDelete" }), expected)

  it("accepts a message id seen inside the window and drops it: the sender sees success", async () => {
    const sender = bus.client.createSender("orders")
    await sender.sendMessages({ body: "first", messageId: "order-1" })
    await sender.sendMessages({ body: "again", messageId: "order-1" })
    await sender.sendMessages({ body: "other", messageId: "order-2" })
    expect(await drainQueue("orders", 2)).toEqual(["first", "other"])
  })

  it("detects duplicates inside one batch and across batches", async () => {
    const sender = bus.client.createSender("batches")
    const batch = await sender.createMessageBatch()
    for (const id of ["x", "y", "x"]) batch.tryAddMessage({ body: id, messageId: id })
    await sender.sendMessages(batch)
    await sender.sendMessages([
      { body: "y again", messageId: "y" },
      { body: "z", messageId: "z" },
    ])
    expect(await drainQueue("batches", 3)).toEqual(["x", "y", "z"])
  })

  it("applies to scheduled messages and to topics (once for all subscriptions)", async () => {
    const sender = bus.client.createSender("scheduled")
    const at = new Date(Date.now() + 300)
    await sender.scheduleMessages({ body: "scheduled", messageId: "s-1" }, at)
    await sender.sendMessages({ body: "same id", messageId: "s-1" })
    expect(await drainQueue("scheduled", 1)).toEqual(["scheduled"])
    const topic = bus.client.createSender("events")
    await topic.sendMessages([
      { body: "e1", messageId: "e-1" },
      { body: "e1 again", messageId: "e-1" },
    ])
    for (const subscription of ["a", "b"]) {
      const receiver = bus.client.createReceiver("events", subscription, { receiveMode: "receiveAndDelete" })
      expect(await drain(receiver, 1)).toEqual(["e1"])
    }
  })

  it("forgets an id once its window passed", async () => {
    const sender = bus.client.createSender("short-window")
    await sender.sendMessages({ body: "first", messageId: "w-1" })
    await sender.sendMessages({ body: "inside the window", messageId: "w-1" })
    // The history sweeps itself when the window of its oldest id ends (this wait is that signal).
    await signals.next("duplicate detection window passed", { entity: "short-window", forgotten: 1 })
    await sender.sendMessages({ body: "after the window", messageId: "w-1" })
    expect(await drainQueue("short-window", 2)).toEqual(["first", "after the window"])
  })

  it("does nothing without RequiresDuplicateDetection, and checks messages forwarded into the entity", async () => {
    const plain = bus.client.createSender("not-detecting")
    await plain.sendMessages([
      { body: 1, messageId: "same" },
      { body: 2, messageId: "same" },
    ])
    expect(await drainQueue("not-detecting", 2)).toEqual([1, 2])
    const forwarding = bus.client.createSender("forwarding")
    await forwarding.sendMessages([
      { body: "f", messageId: "f-1" },
      { body: "f again", messageId: "f-1" },
    ])
    expect(await drainQueue("forward-target", 1)).toEqual(["f"])
  })
})
