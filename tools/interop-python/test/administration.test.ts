import { ServiceBusAdministrationClient, ServiceBusClient } from "@azure/service-bus"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runPython } from "../src/python.ts"
import { type InteropEmulator, namespace, startInteropEmulator } from "../src/pythonBus.ts"

interface Counts {
  readonly active: number
  readonly deadLetter: number
  readonly scheduled?: number
  readonly total: number
}

interface Listing {
  readonly queues: Array<string>
  readonly topics: Array<string>
  readonly subscriptions: Record<string, Array<string>>
  readonly queueRuntime: Record<string, Counts>
  readonly subscriptionRuntime: Record<string, Counts>
}

describe("ServiceBusAdministrationClient from Python (azure-servicebus 7.8.2) over HTTPS", () => {
  let interop: InteropEmulator

  beforeAll(async () => {
    interop = await startInteropEmulator(
      namespace({
        Queues: [{ Name: "orders" }, { Name: "audit" }],
        Topics: [
          { Name: "agent-logs", Subscriptions: [{ Name: "orchestrator-sub" }, { Name: "archive-sub" }] },
          { Name: "alerts", Subscriptions: [{ Name: "pager" }] },
        ],
      }),
    )
  })

  afterAll(async () => {
    await interop?.close()
  })

  it("lists the entities and reads the same runtime properties as the JS administration client", async () => {
    const js = new ServiceBusClient(interop.emulator.connectionString, { retryOptions: { maxRetries: 1 } })
    const orders = js.createSender("orders")
    await orders.sendMessages([{ body: 1 }, { body: 2 }, { body: 3 }])
    await orders.scheduleMessages({ body: "later" }, new Date(Date.now() + 3_600_000))
    const receiver = js.createReceiver("orders")
    const [first] = await receiver.receiveMessages(1)
    if (first === undefined) throw new Error("nothing received")
    await receiver.deadLetterMessage(first, { deadLetterReason: "bad", deadLetterErrorDescription: "for the count" })
    await js.createSender("agent-logs").sendMessages([{ body: "a" }, { body: "b" }])
    await js.close()

    // The 7.8.2 administration client ignores connection_verify; requests reads the CA from REQUESTS_CA_BUNDLE.
    const python = await runPython<Listing>(
      "administration.py",
      {
        bus: interop.bus,
        topics: ["agent-logs", "alerts"],
        queues: ["orders", "audit"],
        topicSubscriptions: [
          ["agent-logs", "orchestrator-sub"],
          ["alerts", "pager"],
        ],
      },
      { REQUESTS_CA_BUNDLE: interop.bus.ca },
    )
    expect(python).toEqual({
      queues: ["audit", "orders"],
      topics: ["agent-logs", "alerts"],
      subscriptions: { "agent-logs": ["archive-sub", "orchestrator-sub"], alerts: ["pager"] },
      queueRuntime: {
        orders: { active: 2, deadLetter: 1, scheduled: 1, total: 4 },
        audit: { active: 0, deadLetter: 0, scheduled: 0, total: 0 },
      },
      subscriptionRuntime: {
        "agent-logs/orchestrator-sub": { active: 2, deadLetter: 0, total: 2 },
        "alerts/pager": { active: 0, deadLetter: 0, total: 0 },
      },
    })

    const admin = new ServiceBusAdministrationClient(interop.emulator.tlsConnectionString ?? "", {
      retryOptions: { maxRetries: 0 },
      tlsOptions: { ca: interop.emulator.ca ?? "" },
    })
    const ordersRuntime = await admin.getQueueRuntimeProperties("orders")
    expect({
      active: ordersRuntime.activeMessageCount,
      deadLetter: ordersRuntime.deadLetterMessageCount,
      scheduled: ordersRuntime.scheduledMessageCount,
      total: ordersRuntime.totalMessageCount,
    }).toEqual(python.queueRuntime.orders)
    const subscription = await admin.getSubscriptionRuntimeProperties("agent-logs", "orchestrator-sub")
    expect({
      active: subscription.activeMessageCount,
      deadLetter: subscription.deadLetterMessageCount,
      total: subscription.totalMessageCount,
    }).toEqual(python.subscriptionRuntime["agent-logs/orchestrator-sub"])
  })
})
