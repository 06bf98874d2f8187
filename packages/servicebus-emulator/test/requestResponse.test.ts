import rhea from "rhea"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningEmulator, startEmulator } from "../src/index.ts"
import { amqpFrame, kindOf, RawAmqpConnection, source, target } from "./rawAmqp.ts"
import { RequestClient, type RequestLink } from "./requestClient.ts"
import { namespaceConfig, newClient } from "./support.ts"

const plain = { keyName: "RootManageSharedAccessKey", key: "SAS_KEY_VALUE" }
const types = rhea.types as unknown as {
  wrap_ulong(value: number): unknown
  wrap_long(value: number): unknown
  wrap_int(value: number): unknown
}
const peekRequest = {
  application_properties: { operation: "com.microsoft:peek-message" },
  body: { "from-sequence-number": types.wrap_long(1), "message-count": types.wrap_int(10) },
}

/** Management requests as uamqp (the Python SDK's C stack) sends them, answered the way it reads answers. */
describe("management request/response", () => {
  let emulator: RunningEmulator
  let client: RequestClient
  let management: RequestLink

  beforeAll(async () => {
    emulator = await startEmulator({ config: namespaceConfig({ Queues: [{ Name: "jobs" }] }) })
    client = await RequestClient.connect(emulator.port, plain)
    management = await client.link("jobs/$management")
  })

  afterAll(async () => {
    await client?.close()
    await emulator?.close()
  })

  it("answers a request whose reply-to is the node address (uamqp), and one naming the reply link (the JS SDK)", async () => {
    const byNode = await management.request({ ...peekRequest, reply_to: "jobs/$management" })
    const byLink = await management.request({ ...peekRequest, reply_to: management.receiverName })
    expect(byNode.status).toBe(204)
    expect(byLink.status).toBe(204)
  })

  it("correlates with the request's message-id in its own AMQP type, and spells status both ways", async () => {
    const numeric = await management.request({ ...peekRequest, message_id: types.wrap_ulong(77) as never })
    expect(numeric.correlationId).toBe(77)
    const text = await management.request({ ...peekRequest, message_id: "request-1" })
    expect(text.correlationId).toBe("request-1")
    expect(text.properties).toMatchObject({
      statusCode: 204,
      "status-code": 204,
      statusDescription: "No messages",
      "status-description": "No messages",
    })
  })

  it("hands out a deferred message with its lock token in the delivery annotation x-opt-lock-token", async () => {
    const sdk = newClient(emulator.connectionString)
    await sdk.createSender("jobs").sendMessages({ body: "later" })
    const receiver = sdk.createReceiver("jobs")
    const [message] = await receiver.receiveMessages(1)
    if (message === undefined) throw new Error("nothing received")
    await receiver.deferMessage(message)
    const reply = await management.request({
      reply_to: "jobs/$management",
      application_properties: { operation: "com.microsoft:receive-by-sequence-number" },
      body: {
        "sequence-numbers": rhea.types.wrap_array([message.sequenceNumber?.toNumber() ?? 0], 0x81, undefined),
        "receiver-settle-mode": rhea.types.wrap_uint(1),
      },
    })
    expect(reply.status).toBe(200)
    const [entry] = (reply.body as { messages: Array<{ "lock-token": Buffer; message: Buffer }> }).messages
    const delivered = rhea.message.decode(entry?.message ?? Buffer.alloc(0))
    expect(delivered.message_id).toBe(message.messageId)
    expect(delivered.delivery_annotations?.["x-opt-lock-token"]).toEqual(entry?.["lock-token"])
    await sdk.close()
  })

  it("settles a request before its response goes out (uamqp fails a response that overtakes the disposition)", async () => {
    const connection = await RawAmqpConnection.connect(emulator.port)
    await connection.authenticate(plain)
    await connection.openSession()
    connection.write(
      amqpFrame("attach", {
        name: "mgmt-receiver",
        handle: 0,
        role: true,
        source: source("jobs/$management"),
        target: target("mgmt-receiver"),
      }),
    )
    await connection.expect("attach")
    connection.write(
      amqpFrame("flow", {
        next_incoming_id: 0,
        incoming_window: 2048,
        next_outgoing_id: 0,
        outgoing_window: 2048,
        handle: 0,
        delivery_count: 0,
        link_credit: 10,
      }),
    )
    connection.write(
      amqpFrame("attach", {
        name: "mgmt-sender",
        handle: 1,
        role: false,
        source: source("mgmt-sender"),
        target: target("jobs/$management"),
        initial_delivery_count: 0,
      }),
    )
    await connection.expect("flow")
    const request = rhea.message.encode({ ...peekRequest, message_id: 1, reply_to: "jobs/$management" })
    connection.write(
      amqpFrame(
        "transfer",
        { handle: 1, delivery_id: 0, delivery_tag: Buffer.from([1]), message_format: 0, settled: false },
        0,
        request,
      ),
    )
    const order: Array<string> = []
    for (;;) {
      const frame = await connection.next()
      if ("header" in frame) continue
      const kind = kindOf(frame)
      if (kind === "disposition" || kind === "transfer") order.push(kind)
      if (kind === "transfer") {
        expect(rhea.message.decode(frame.payload ?? Buffer.alloc(0)).correlation_id).toBe(1)
        break
      }
    }
    expect(order).toEqual(["disposition", "transfer"])
    connection.close()
  })
})
