import { ServiceBusClient } from "@azure/service-bus"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningEmulator, startEmulator } from "../src/index.ts"
import { failure, fastClientOptions, namespaceConfig, newClient, sasToken } from "./support.ts"

describe("authentication and authorization", () => {
  let emulator: RunningEmulator

  beforeAll(async () => {
    emulator = await startEmulator({
      config: namespaceConfig({ Queues: [{ Name: "orders" }] }),
      sharedAccessKeyName: "tester",
      sharedAccessKey: "s3cret",
    })
  })

  afterAll(async () => {
    await emulator?.close()
  })

  it("accepts the connection string it hands out", async () => {
    const client = newClient(emulator.connectionString)
    expect(emulator.connectionString).toBe(
      `Endpoint=sb://127.0.0.1:${emulator.port};SharedAccessKeyName=tester;SharedAccessKey=s3cret;UseDevelopmentEmulator=true;`,
    )
    await client.createSender("orders").sendMessages({ body: "ok" })
    const [message] = await client.createReceiver("orders", { receiveMode: "receiveAndDelete" }).receiveMessages(1)
    expect(message?.body).toBe("ok")
    await client.close()
  })

  it("refuses a wrong key with an authorization error", async () => {
    const client = newClient(emulator.connectionString.replace("s3cret", "wrong"))
    const error = await failure(client.createSender("orders").sendMessages({ body: "x" }))
    expect(error.code).toBe("UnauthorizedAccess")
    expect(error.message).toContain("invalid signature")
    await client.close()
  })

  it("refuses an unknown key name", async () => {
    const client = newClient(emulator.connectionString.replace("=tester;", "=someone-else;"))
    const error = await failure(client.createReceiver("orders").receiveMessages(1, { maxWaitTimeInMs: 100 }))
    expect(error.code).toBe("UnauthorizedAccess")
    await client.close()
  })

  it("refuses an expired shared access signature", async () => {
    const audience = `sb://127.0.0.1:${emulator.port}/orders`
    const token = sasToken(audience, "tester", "s3cret", Math.floor(Date.now() / 1000) - 60)
    const client = new ServiceBusClient(
      `Endpoint=sb://127.0.0.1:${emulator.port};SharedAccessSignature=${token};UseDevelopmentEmulator=true;`,
      fastClientOptions,
    )
    const error = await failure(client.createSender("orders").sendMessages({ body: "late" }))
    expect(error.code).toBe("UnauthorizedAccess")
    expect(error.message).toContain("expired")
    await client.close()
  })

  it("accepts a valid shared access signature scoped to the entity", async () => {
    const audience = `sb://127.0.0.1:${emulator.port}/orders`
    const token = sasToken(audience, "tester", "s3cret", Math.floor(Date.now() / 1000) + 600)
    const client = new ServiceBusClient(
      `Endpoint=sb://127.0.0.1:${emulator.port};SharedAccessSignature=${token};UseDevelopmentEmulator=true;`,
      fastClientOptions,
    )
    await client.createSender("orders").sendMessages({ body: "signed" })
    const receiver = client.createReceiver("orders", { receiveMode: "receiveAndDelete" })
    const [message] = await receiver.receiveMessages(1)
    expect(message?.body).toBe("signed")
    await client.close()
  })

  it("reports an unknown entity as MessagingEntityNotFound for senders, receivers and management", async () => {
    const client = newClient(emulator.connectionString)
    const send = await failure(client.createSender("missing").sendMessages({ body: 1 }))
    expect(send.code).toBe("MessagingEntityNotFound")
    const receive = await failure(client.createReceiver("missing").receiveMessages(1, { maxWaitTimeInMs: 100 }))
    expect(receive.code).toBe("MessagingEntityNotFound")
    const subscription = await failure(
      client.createReceiver("orders", "no-such-subscription").receiveMessages(1, { maxWaitTimeInMs: 100 }),
    )
    expect(subscription.code).toBe("MessagingEntityNotFound")
    const peek = await failure(client.createReceiver("missing").peekMessages(1))
    expect(peek.code).toBe("MessagingEntityNotFound")
    await client.close()
  })

  it("matches entity names case-insensitively", async () => {
    const client = newClient(emulator.connectionString)
    await client.createSender("ORDERS").sendMessages({ body: "shout" })
    const [message] = await client.createReceiver("Orders", { receiveMode: "receiveAndDelete" }).receiveMessages(1)
    expect(message?.body).toBe("shout")
    await client.close()
  })
})
