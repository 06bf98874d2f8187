import {
  type ServiceBusClient as JsClient,
  ServiceBusClient,
  type ServiceBusMessage,
  type ServiceBusReceivedMessage,
} from "@azure/service-bus"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runPython } from "../src/python.ts"
import { type InteropEmulator, namespace, startInteropEmulator } from "../src/pythonBus.ts"

interface PythonMessage {
  readonly messageId: string | null
  readonly correlationId: string | null
  readonly subject: string | null
  readonly contentType: string | null
  readonly to: string | null
  readonly replyTo: string | null
  readonly timeToLiveSeconds: number | null
  readonly sequenceNumber: number
  readonly deliveryCount: number
  readonly deadLetterReason: string | null
  readonly deadLetterErrorDescription: string | null
  readonly applicationProperties: Readonly<Record<string, { readonly type: string; readonly value: unknown }>>
  /** Hex of the body's bytes. */
  readonly body: string
}

/** Every message of an entity, peeked (nothing locked), from the JS SDK's side. */
const peekAll = async (client: JsClient, queue: string, subQueue?: "deadLetter") => {
  const receiver = client.createReceiver(queue, subQueue === undefined ? {} : { subQueueType: subQueue })
  const messages = await receiver.peekMessages(1000)
  await receiver.close()
  return messages
}

const queues = ["ops", "mixed", "js-to-python", "python-to-js", "typed"] as const

describe("azure-servicebus 7.8.2 (Python, uamqp) over secure WebSockets", () => {
  let interop: InteropEmulator
  let js: JsClient

  beforeAll(async () => {
    interop = await startInteropEmulator(
      namespace({ Queues: queues.map((name) => ({ Name: name, Properties: { MaxDeliveryCount: 10 } })) }),
    )
    js = new ServiceBusClient(interop.emulator.connectionString, { retryOptions: { maxRetries: 1 } })
  })

  afterAll(async () => {
    await js?.close()
    await interop?.close()
  })

  it("completes, abandons, dead-letters with a reason, defers and receives deferred, renews a lock, schedules and cancels", async () => {
    const result = await runPython<{
      scheduled: Array<number>
      peekedStates: Record<string, string>
      received: Array<string>
      deferred: Array<PythonMessage>
      lockRenewedBySeconds: number
      redelivered: Array<PythonMessage>
      peekAfter: Array<string>
      deadLettered: Array<PythonMessage>
    }>("settlement_ops.py", { bus: interop.bus, queue: "ops" })

    expect(result.scheduled).toHaveLength(1)
    expect(result.peekedStates).toMatchObject({
      later: "ServiceBusMessageState.SCHEDULED",
      "op-0": "ServiceBusMessageState.ACTIVE",
    })
    expect(result.received).toEqual(["op-0", "op-1", "op-2", "op-3", "op-4"])
    expect(result.deferred.map((message) => message.messageId)).toEqual(["op-3"])
    expect(result.lockRenewedBySeconds).toBeGreaterThan(0)
    expect(result.redelivered).toMatchObject([{ messageId: "op-1", deliveryCount: 1 }])
    expect(result.peekAfter).toEqual([])
    expect(result.deadLettered).toMatchObject([
      { messageId: "op-2", deadLetterReason: "invalid-event", deadLetterErrorDescription: "missing resource_id" },
    ])
    // The JS SDK sees the same end state: nothing left anywhere, the scheduled message cancelled.
    expect(await peekAll(js, "ops")).toEqual([])
    expect(await peekAll(js, "ops", "deadLetter")).toEqual([])
  })

  it("a batch settled with mixed outcomes from Python ends exactly where each outcome puts it", async () => {
    const count = 60
    await js
      .createSender("mixed")
      .sendMessages(
        Array.from({ length: count }, (_, index) => ({ body: { index }, applicationProperties: { index } })),
      )
    const result = await runPython<{
      received: number
      outcomes: Record<"completed" | "abandoned" | "deadLettered" | "deferred", Array<number>>
    }>("mixed_settlement.py", { bus: interop.bus, queue: "mixed", count })
    expect(result.received).toBe(count)

    const indexOf = (message: ServiceBusReceivedMessage) => Number(message.applicationProperties?.index)
    const active = await peekAll(js, "mixed")
    const deadLettered = await peekAll(js, "mixed", "deadLetter")
    const waiting = active.filter((message) => message.state === "active")
    const deferred = active.filter((message) => message.state === "deferred")
    const byIndex = (messages: ReadonlyArray<ServiceBusReceivedMessage>) => messages.map(indexOf).sort((a, b) => a - b)

    expect(byIndex(waiting)).toEqual(result.outcomes.abandoned)
    expect(byIndex(deferred)).toEqual(result.outcomes.deferred)
    expect(byIndex(deadLettered)).toEqual(result.outcomes.deadLettered)
    for (const message of waiting) expect(message.deliveryCount).toBe(1)
    for (const message of deadLettered) {
      expect(message.deadLetterReason).toBe(`reason-${indexOf(message)}`)
      expect(message.deadLetterErrorDescription).toBe(`index ${indexOf(message)}`)
    }
    // Exact accounting: every message is in exactly one place, the completed ones nowhere.
    const everywhere = [...waiting, ...deferred, ...deadLettered].map(indexOf)
    expect(new Set(everywhere).size).toBe(everywhere.length)
    expect(everywhere.length + result.outcomes.completed.length).toBe(count)
    expect(result.outcomes.completed.every((index) => index % 4 === 0)).toBe(true)
  })

  it("messages from the JS SDK round-trip to Python and back with all their properties", async () => {
    const sent: Array<ServiceBusMessage> = [
      {
        body: { event_type: "resource_created", resource_id: "/subscriptions/s/rg/vm1" },
        messageId: "js-1",
        correlationId: "run-123",
        subject: "resource_created",
        contentType: "application/json",
        to: "orchestrator",
        replyTo: "agents",
        timeToLive: 30 * 60 * 1000,
        applicationProperties: { text: "tekst ü", int: 42, negative: -7, big: 2 ** 40, double: 1.5, yes: false },
      },
      { body: "a plain string", messageId: "js-2" },
      { body: Buffer.from([0, 1, 2, 0xfe, 0xff]), messageId: "js-3", contentType: "application/octet-stream" },
    ]
    await js.createSender("js-to-python").sendMessages(sent)
    const echoed = await runPython<{ received: Array<PythonMessage> }>("echo.py", {
      bus: interop.bus,
      from: "js-to-python",
      to: "python-to-js",
      count: sent.length,
    })

    const [first, second, third] = echoed.received
    const { messageId, correlationId, subject, contentType, to, replyTo } = sent[0] ?? {}
    expect(first).toMatchObject({
      ...{ messageId, correlationId, subject, contentType, to, replyTo },
      timeToLiveSeconds: 1800,
      // uamqp hands AMQP strings over as bytes (decoded here); numbers and booleans as Python's own types.
      applicationProperties: {
        text: { type: "bytes", value: "tekst ü" },
        int: { type: "int", value: 42 },
        negative: { type: "int", value: -7 },
        big: { type: "int", value: 2 ** 40 },
        double: { type: "float", value: 1.5 },
        yes: { type: "bool", value: false },
      },
    })
    expect(Buffer.from(first?.body ?? "", "hex").toString("utf8")).toBe(JSON.stringify(sent[0]?.body))
    expect(Buffer.from(second?.body ?? "", "hex").toString("utf8")).toBe(JSON.stringify("a plain string"))
    expect(third?.body).toBe("000102feff")

    const receiver = js.createReceiver("python-to-js", { receiveMode: "receiveAndDelete" })
    const back = await receiver.receiveMessages(sent.length, { maxWaitTimeInMs: 10_000 })
    await receiver.close()
    expect(back).toHaveLength(sent.length)
    for (const [index, original] of sent.entries()) {
      const returned = back[index]
      expect(returned?.body).toEqual(original.body)
      expect({
        messageId: returned?.messageId,
        correlationId: returned?.correlationId,
        subject: returned?.subject,
        contentType: returned?.contentType,
        to: returned?.to,
        replyTo: returned?.replyTo,
        applicationProperties: returned?.applicationProperties ?? {},
      }).toEqual({
        messageId: original.messageId,
        correlationId: original.correlationId,
        subject: original.subject,
        contentType: original.contentType,
        to: original.to,
        replyTo: original.replyTo,
        applicationProperties: original.applicationProperties ?? {},
      })
    }
    expect(back[0]?.timeToLive).toBe(30 * 60 * 1000)
  })

  it("the JS SDK reads every property type Python writes", async () => {
    await runPython("send_typed.py", { bus: interop.bus, queue: "typed" })
    const receiver = js.createReceiver("typed", { receiveMode: "receiveAndDelete" })
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 10_000 })
    await receiver.close()
    expect(message).toMatchObject({
      body: { event_type: "agent_started", run_id: "run-py" },
      messageId: "from-python",
      correlationId: "corr-py",
      subject: "agent_started",
      contentType: "application/json",
      to: "orchestrator",
      replyTo: "agents",
      timeToLive: 30 * 60 * 1000,
    })
    // The JS SDK's own model: a uuid arrives as its 16 bytes (an indexed object), a timestamp as epoch
    // milliseconds (as it does for the Dates the JS SDK sends itself).
    const { uuid, ...scalars } = message?.applicationProperties ?? {}
    expect(scalars).toEqual({
      text: "tekst ü",
      int: 42,
      negative: -7,
      long: 2 ** 40,
      double: 1.5,
      yes: true,
      nothing: null,
      timestamp: 1731585600000,
    })
    expect(Buffer.from(Object.values(uuid as unknown as Record<string, number>)).toString("hex")).toBe(
      "12345678123456781234567812345678",
    )
  })
})
