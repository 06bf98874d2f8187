import type { ServiceBusMessage, ServiceBusReceiver } from "@azure/service-bus"
import { describe, expect, it } from "vitest"
import { failure, logSignals, namespaceConfig, receiveAll, untilTime, useEmulator } from "./support.ts"

const lockSeconds = 1
const config = namespaceConfig({
  Queues: [
    { Name: "expiring", Properties: { LockDuration: `PT${lockSeconds}S`, MaxDeliveryCount: 5 } },
    { Name: "expiring-renew", Properties: { LockDuration: `PT${lockSeconds}S`, MaxDeliveryCount: 5 } },
    { Name: "renewing", Properties: { LockDuration: "PT3S" } },
    { Name: "limited", Properties: { LockDuration: "PT30S", MaxDeliveryCount: 2 } },
    ...["locking", "abandoning", "dead-lettering", "deferring", "orphaning"].map((Name) => ({
      Name,
      Properties: { LockDuration: "PT30S" },
    })),
    { Name: "peeking" },
  ],
  Topics: [
    {
      Name: "alerts",
      Subscriptions: [{ Name: "pager", Properties: { LockDuration: "PT0.5S", MaxDeliveryCount: 1 } }],
    },
  ],
})

// Each test has its own entity, so the (often waiting) tests run concurrently.
describe.concurrent("peek-lock", () => {
  // The emulator's debug log says when a lock expired (no guessing how long to sleep).
  const signals = logSignals()
  const bus = useEmulator({ config, logLevel: "debug", logSink: signals.sink })
  // Automatic lock renewal would hide lock expiry; these tests renew explicitly.
  const peekLock = (queue: string): ServiceBusReceiver =>
    bus.client.createReceiver(queue, { maxAutoLockRenewalDurationInMs: 0 })
  /** Sends `message` to `queue` and receives it: the receiver, and the message under its lock. */
  const sendAndLock = async (queue: string, message: ServiceBusMessage) => {
    await bus.client.createSender(queue).sendMessages(message)
    const receiver = peekLock(queue)
    const [locked] = await receiver.receiveMessages(1)
    if (locked === undefined) throw new Error("expected a message")
    return { receiver, message: locked }
  }

  it("locks a received message with a 16-byte lock token and a locked-until time", async () => {
    await bus.client.createSender("locking").sendMessages({ body: "locked" })
    const receiver = peekLock("locking")
    const before = Date.now()
    const [message] = await receiver.receiveMessages(1)
    expect(message?.lockToken).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    expect(message?.lockedUntilUtc?.getTime()).toBeGreaterThanOrEqual(before + 29_000)
    if (message !== undefined) await receiver.completeMessage(message)
    expect(await receiver.peekMessages(1)).toEqual([])
  })

  it("redelivers a message whose lock expired, with delivery count + 1, and refuses the stale lock", async () => {
    await bus.client.createSender("expiring").sendMessages({ body: "slow" })
    const receiver = peekLock("expiring")
    const [first] = await receiver.receiveMessages(1)
    expect(first?.deliveryCount).toBe(0)
    const [second] = await receiver.receiveMessages(1, { maxWaitTimeInMs: lockSeconds * 1000 + 4000 })
    expect(second?.body).toBe("slow")
    expect(second?.deliveryCount).toBe(1)
    expect(second?.lockToken).not.toBe(first?.lockToken)
    if (first === undefined || second === undefined) throw new Error("expected two deliveries")
    const stale = await failure(receiver.completeMessage(first))
    expect(stale.code).toBe("MessageLockLost")
    await receiver.completeMessage(second)
    expect(await receiver.peekMessages(1)).toEqual([])
  })

  it("extends a lock on renew-lock so the message can still be completed after the first lock would have ended", async () => {
    const { receiver, message } = await sendAndLock("renewing", { body: "renew me" })
    const firstLockedUntil = message.lockedUntilUtc?.getTime() ?? 0
    // Real time, bounded by the entity's lock: the lock runs on the emulator's clock behind AMQP, and this deadline
    // passing is what the test is about (no event marks a lock that did not expire).
    await untilTime(firstLockedUntil - 1500)
    const renewed = await receiver.renewMessageLock(message)
    expect(renewed.getTime()).toBeGreaterThan(firstLockedUntil)
    expect(message.lockedUntilUtc?.getTime()).toBe(renewed.getTime())
    await untilTime(firstLockedUntil + 300)
    await receiver.completeMessage(message)
    expect(await receiver.peekMessages(1)).toEqual([])
  })

  it("refuses renew-lock after the lock expired", async () => {
    await bus.client.createSender("expiring-renew").sendMessages({ body: "too late" })
    const receiver = peekLock("expiring-renew")
    const expired = signals.next("lock expired", { entity: "expiring-renew" })
    const [message] = await receiver.receiveMessages(1)
    if (message === undefined) throw new Error("expected a message")
    await expired
    const error = await failure(receiver.renewMessageLock(message))
    expect(error.code).toBe("MessageLockLost")
    const [again] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 })
    if (again !== undefined) await receiver.completeMessage(again)
    expect(again?.deliveryCount).toBe(1)
  })

  it("abandon returns the message with delivery count + 1 and the modified properties", async () => {
    const { receiver, message } = await sendAndLock("abandoning", { body: "retry", applicationProperties: { step: 1 } })
    await receiver.abandonMessage(message, { step: 2, reason: "flaky" })
    const [again] = await receiver.receiveMessages(1)
    expect(again?.deliveryCount).toBe(1)
    expect(again?.applicationProperties).toEqual({ step: 2, reason: "flaky" })
    if (again !== undefined) await receiver.completeMessage(again)
  })

  it("moves a message to the dead-letter queue with MaxDeliveryCountExceeded after MaxDeliveryCount deliveries", async () => {
    await bus.client.createSender("limited").sendMessages({ body: "poison", messageId: "poison-1" })
    const receiver = peekLock("limited")
    for (let attempt = 0; attempt < 2; attempt++) {
      const [message] = await receiver.receiveMessages(1)
      expect(message?.deliveryCount).toBe(attempt)
      if (message !== undefined) await receiver.abandonMessage(message)
    }
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([])
    const deadLetters = bus.client.createReceiver("limited", { subQueueType: "deadLetter" })
    const [dead] = await deadLetters.receiveMessages(1)
    expect(dead?.body).toBe("poison")
    expect(dead?.messageId).toBe("poison-1")
    expect(dead?.deadLetterReason).toBe("MaxDeliveryCountExceeded")
    expect(dead?.deadLetterErrorDescription).toContain("2 delivery attempts")
    expect(dead?.deliveryCount).toBe(2)
    if (dead !== undefined) await deadLetters.completeMessage(dead)
    expect(await deadLetters.peekMessages(1)).toEqual([])
  })

  it("dead-letters lock expiries too, on subscriptions", async () => {
    await bus.client.createSender("alerts").sendMessages({ body: "unanswered" })
    const receiver = bus.client.createReceiver("alerts", "pager", { maxAutoLockRenewalDurationInMs: 0 })
    const [message] = await receiver.receiveMessages(1)
    expect(message?.body).toBe("unanswered")
    const deadLetters = bus.client.createReceiver("alerts", "pager", {
      subQueueType: "deadLetter",
      receiveMode: "receiveAndDelete",
    })
    const [dead] = await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 4000 })
    expect(dead?.body).toBe("unanswered")
    expect(dead?.deadLetterReason).toBe("MaxDeliveryCountExceeded")
  })

  it("dead-letters with the caller's reason and description, readable from the dead-letter queue", async () => {
    const { receiver, message } = await sendAndLock("dead-lettering", {
      body: "bad",
      applicationProperties: { tenant: "t1" },
    })
    await receiver.deadLetterMessage(message, {
      deadLetterReason: "SchemaViolation",
      deadLetterErrorDescription: "resource_id is missing",
    })
    expect(await receiver.peekMessages(5)).toEqual([])
    const deadLetters = bus.client.createReceiver("dead-lettering", { subQueueType: "deadLetter" })
    const [peeked] = await deadLetters.peekMessages(1)
    expect(peeked?.deadLetterReason).toBe("SchemaViolation")
    const [dead] = await deadLetters.receiveMessages(1)
    expect(dead).toMatchObject({
      body: "bad",
      deadLetterReason: "SchemaViolation",
      deadLetterErrorDescription: "resource_id is missing",
      applicationProperties: {
        tenant: "t1",
        DeadLetterReason: "SchemaViolation",
        DeadLetterErrorDescription: "resource_id is missing",
      },
    })
    if (dead !== undefined) await deadLetters.completeMessage(dead)
  })

  it("defers a message and hands it out again by sequence number only", async () => {
    await bus.client.createSender("deferring").sendMessages({ body: "later" })
    const receiver = peekLock("deferring")
    const [message] = await receiver.receiveMessages(1)
    if (message?.sequenceNumber === undefined) throw new Error("expected a message")
    await receiver.deferMessage(message)
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([])
    const [peeked] = await receiver.peekMessages(1)
    expect(peeked?.state).toBe("deferred")
    const [deferred] = await receiver.receiveDeferredMessages(message.sequenceNumber)
    expect(deferred?.body).toBe("later")
    expect(deferred?.state).toBe("deferred")
    expect(deferred?.deliveryCount).toBe(1)
    if (deferred === undefined) throw new Error("expected the deferred message")
    const renewed = await receiver.renewMessageLock(deferred)
    expect(renewed.getTime()).toBeGreaterThan(Date.now())
    await receiver.completeMessage(deferred)
    const gone = await failure(receiver.receiveDeferredMessages(message.sequenceNumber))
    expect(gone.code).toBe("MessageNotFound")
    expect(await receiver.peekMessages(1)).toEqual([])
  })

  it("settles through the management link once the receiving link is closed", async () => {
    const { receiver, message } = await sendAndLock("orphaning", { body: "orphan" })
    await receiver.close()
    const other = peekLock("orphaning")
    await other.completeMessage(message)
    expect(await other.peekMessages(1)).toEqual([])
  })

  it("peek does not lock: a peeked message is then received as a first delivery", async () => {
    const sender = bus.client.createSender("peeking")
    await sender.sendMessages([{ body: "p1" }, { body: "p2" }])
    const receiver = peekLock("peeking")
    const peeked = await receiver.peekMessages(10)
    expect(peeked.map((m) => m.body)).toEqual(["p1", "p2"])
    expect(peeked.every((m) => m.lockToken === undefined && m.state === "active")).toBe(true)
    const first = peeked[0]?.sequenceNumber
    if (first === undefined) throw new Error("expected sequence numbers on peeked messages")
    const again = await receiver.peekMessages(10, { fromSequenceNumber: first })
    expect(again.map((m) => m.body)).toEqual(["p1", "p2"])
    const received = await receiveAll(receiver, 2)
    expect(received.map((m) => [m.body, m.deliveryCount])).toEqual([
      ["p1", 0],
      ["p2", 0],
    ])
    // Locked messages stay visible to peek.
    expect(
      (await receiver.peekMessages(10, { fromSequenceNumber: first })).map((m) => [m.body, m.state, m.lockToken]),
    ).toEqual([
      ["p1", "active", undefined],
      ["p2", "active", undefined],
    ])
    for (const message of received) await receiver.completeMessage(message)
    expect(await receiver.peekMessages(10, { fromSequenceNumber: first })).toEqual([])
  })
})
