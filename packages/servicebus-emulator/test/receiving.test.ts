import type { ServiceBusReceivedMessage } from "@azure/service-bus"
import { describe, expect, it } from "vitest"
import { namespaceConfig, newClient, receiveAll, useEmulator } from "./support.ts"

const config = namespaceConfig({
  Queues: [{ Name: "deleting" }, { Name: "waiting" }, { Name: "streaming" }, { Name: "crowded" }],
})

describe("receiving", () => {
  const bus = useEmulator({ config })

  it("receive-and-delete removes messages on delivery and hands out no lock", async () => {
    await bus.client.createSender("deleting").sendMessages([{ body: 1 }, { body: 2 }, { body: 3 }])
    const receiver = bus.client.createReceiver("deleting", { receiveMode: "receiveAndDelete" })
    const received = await receiveAll(receiver, 3)
    expect(received.map((m) => m.body)).toEqual([1, 2, 3])
    expect(received.every((m) => m.lockToken === undefined)).toBe(true)
    expect(await receiver.peekMessages(10)).toEqual([])
  })

  it("receiveMessages returns what arrived within maxWaitTime, including nothing", async () => {
    const receiver = bus.client.createReceiver("waiting")
    expect(await receiver.receiveMessages(10, { maxWaitTimeInMs: 200 })).toEqual([])
    await bus.client.createSender("waiting").sendMessages([{ body: "a" }, { body: "b" }])
    const partial = await receiver.receiveMessages(10, { maxWaitTimeInMs: 2000 })
    expect(partial.map((m) => m.body)).toEqual(["a", "b"])
    for (const message of partial) await receiver.completeMessage(message)
    // After a drained receive the link still works: credit is granted again on the next call.
    await bus.client.createSender("waiting").sendMessages({ body: "c" })
    const [next] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 })
    expect(next?.body).toBe("c")
    if (next !== undefined) await receiver.completeMessage(next)
  })

  it("a pending receiveMessages gets a message sent while it waits", async () => {
    const receiver = bus.client.createReceiver("waiting", { receiveMode: "receiveAndDelete" })
    const pending = receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 })
    await bus.client.createSender("waiting").sendMessages({ body: "late arrival" })
    expect((await pending).map((m) => m.body)).toEqual(["late arrival"])
  })

  it("subscribe streams messages and completes them", async () => {
    const count = 30
    await bus.client.createSender("streaming").sendMessages(Array.from({ length: count }, (_, i) => ({ body: i })))
    const receiver = bus.client.createReceiver("streaming")
    const seen: Array<number> = []
    await new Promise<void>((resolve, reject) => {
      const subscription = receiver.subscribe(
        {
          processMessage: async (message: ServiceBusReceivedMessage) => {
            seen.push(message.body as number)
            if (seen.length === count) subscription.close().then(resolve, reject)
          },
          processError: async (args) => reject(args.error),
        },
        { maxConcurrentCalls: 4 },
      )
    })
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i))
    expect(await receiver.peekMessages(5)).toEqual([])
  })

  it("serves many clients in parallel without a connection cap", async () => {
    const clients = Array.from({ length: 24 }, () => newClient(bus.emulator.connectionString))
    try {
      await Promise.all(
        clients.map((c, i) =>
          c.createSender("crowded").sendMessages(Array.from({ length: 5 }, (_, j) => ({ body: `${i}-${j}` }))),
        ),
      )
      const perClient = await Promise.all(
        clients.map((c) => receiveAll(c.createReceiver("crowded", { receiveMode: "receiveAndDelete" }), 5, 3000)),
      )
      // Every message sent is received exactly once, whichever client took it.
      const bodies = perClient.flat().map((m) => m.body as string)
      const sent = clients.flatMap((_, i) => Array.from({ length: 5 }, (_, j) => `${i}-${j}`))
      expect(bodies.sort()).toEqual(sent.sort())
    } finally {
      await Promise.all(clients.map((c) => c.close()))
    }
  })
})
