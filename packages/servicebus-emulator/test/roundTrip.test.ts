import { ServiceBusClient } from "@azure/service-bus"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningEmulator, startEmulator } from "../src/index.ts"

describe("SDK round trip on the shipped default config", () => {
  let emulator: RunningEmulator
  let client: ServiceBusClient

  beforeAll(async () => {
    emulator = await startEmulator()
    client = new ServiceBusClient(emulator.connectionString)
  })

  afterAll(async () => {
    await client?.close()
    await emulator?.close()
  })

  it("sends to topic agent-logs and receives from orchestrator-sub", async () => {
    const sender = client.createSender("agent-logs")
    const receiver = client.createReceiver("agent-logs", "orchestrator-sub")
    await sender.sendMessages({ body: { event: "resource_created" }, applicationProperties: { source: "test" } })
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 })
    expect(message?.body).toEqual({ event: "resource_created" })
    expect(message?.applicationProperties).toEqual({ source: "test" })
    expect(message?.deliveryCount).toBe(0)
    expect(message?.sequenceNumber?.toNumber()).toBe(1)
    if (message !== undefined) await receiver.completeMessage(message)
    expect(await receiver.peekMessages(1)).toEqual([])
    await receiver.close()
    await sender.close()
  })
})
