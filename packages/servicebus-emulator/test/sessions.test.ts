import type { ServiceBusReceivedMessage, ServiceBusSessionReceiver } from "@azure/service-bus"
import { describe, expect, it } from "vitest"
import {
  adminClient,
  failure,
  logSignals,
  namespaceConfig,
  newClient,
  receiveAll,
  untilTime,
  useEmulator,
} from "./support.ts"

const sessionQueue = (Name: string, properties: Record<string, unknown> = {}) => ({
  Name,
  Properties: { RequiresSession: true, LockDuration: "PT30S", ...properties },
})

const config = namespaceConfig({
  Queues: [
    ...[
      "refusing",
      "ordering",
      "next",
      "waiting",
      "exclusive",
      "stateful",
      "abandoning",
      "closing",
      "peeking",
      "deferring",
      "processing",
      "deleting",
      "accounting",
    ].map((name) => sessionQueue(name)),
    sessionQueue("renewing", { LockDuration: "PT2S" }),
    sessionQueue("poison", { MaxDeliveryCount: 2 }),
    sessionQueue("expiring", { LockDuration: "PT1S", MaxDeliveryCount: 5 }),
    { Name: "plain" },
  ],
  Topics: [
    {
      Name: "orders",
      Subscriptions: [
        { Name: "by-customer", Properties: { RequiresSession: true } },
        { Name: "audit" },
        {
          Name: "vip-sessions",
          Properties: { RequiresSession: true },
          Rules: [{ Name: "vip", Properties: { FilterType: "Correlation", CorrelationFilter: { Label: "vip" } } }],
        },
      ],
    },
  ],
})

const bodies = (messages: ReadonlyArray<ServiceBusReceivedMessage>) => messages.map((m) => m.body)

// Each test has its own entity, so the (sometimes waiting) tests run concurrently.
describe.concurrent("sessions", () => {
  const signals = logSignals()
  const bus = useEmulator({ config, logLevel: "debug", logSink: signals.sink })
  // Automatic lock renewal would hide lock expiry; these tests renew explicitly.
  const noRenewal = { maxAutoLockRenewalDurationInMs: 0 }
  /** Sends `bodies` to `queue` in session "s", in order, and accepts that session. */
  const sendAndAccept = async (queue: string, bodies: ReadonlyArray<string>, options?: typeof noRenewal) => {
    await bus.client.createSender(queue).sendMessages(bodies.map((body) => ({ body, sessionId: "s" })))
    return bus.client.acceptSession(queue, "s", options)
  }

  it("refuses a message without a session id, to a session queue and to a topic whose session subscription takes it", async () => {
    const queue = await failure(bus.client.createSender("refusing").sendMessages({ body: "no session" }))
    expect(queue.message).toContain("The SessionId was not set on a message")
    // A batch is refused as a whole.
    const batch = await failure(
      bus.client.createSender("refusing").sendMessages([{ body: "fine", sessionId: "s" }, { body: "no session" }]),
    )
    expect(batch.message).toContain("The SessionId was not set on a message")
    expect(await bus.client.createReceiver("refusing").peekMessages(10)).toEqual([])
    const topic = await failure(bus.client.createSender("orders").sendMessages({ body: "no session" }))
    expect(topic.message).toContain("orders/Subscriptions/by-customer")
  })

  it("acceptSession locks a session and receives only its messages, in order, with the session's lock", async () => {
    await bus.client.createSender("ordering").sendMessages([
      { body: "a1", sessionId: "a" },
      { body: "b1", sessionId: "b" },
      { body: "a2", sessionId: "a" },
      { body: "a3", sessionId: "a" },
    ])
    const before = Date.now()
    const receiver = await bus.client.acceptSession("ordering", "a", noRenewal)
    expect(receiver.sessionId).toBe("a")
    expect(receiver.sessionLockedUntilUtc.getTime()).toBeGreaterThanOrEqual(before + 29_000)
    const received = await receiveAll(receiver, 3)
    expect(bodies(received)).toEqual(["a1", "a2", "a3"])
    expect(received.every((m) => m.sessionId === "a")).toBe(true)
    expect(received.every((m) => m.lockedUntilUtc?.getTime() === receiver.sessionLockedUntilUtc.getTime())).toBe(true)
    for (const message of received) await receiver.completeMessage(message)
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([])
    await receiver.close()
    const other = await bus.client.acceptSession("ordering", "b")
    expect(bodies(await receiveAll(other, 1))).toEqual(["b1"])
    await other.close()
  })

  it("acceptNextSession takes each session with messages once, then fails with the service's timeout", async () => {
    await bus.client.createSender("next").sendMessages([
      { body: 1, sessionId: "x" },
      { body: 2, sessionId: "y" },
      { body: 3, sessionId: "z" },
    ])
    const receivers: Array<ServiceBusSessionReceiver> = []
    for (let i = 0; i < 3; i++) receivers.push(await bus.client.acceptNextSession("next"))
    expect(receivers.map((r) => r.sessionId).sort()).toEqual(["x", "y", "z"])
    // Every session is locked now: the next request waits up to the client's timeout, then fails as Service Bus
    // fails it (a detach with com.microsoft:timeout, which the SDK reports as ServiceTimeout).
    const impatient = newClient(bus.emulator.connectionString, { timeoutInMs: 1000 })
    const error = await failure(impatient.acceptNextSession("next"))
    expect(error.code).toBe("ServiceTimeout")
    expect(error.message).toContain("No unlocked session with available messages in 'next'")
    await impatient.close()
    for (const receiver of receivers) await receiver.close()
  })

  it("a waiting acceptNextSession gets the session of a message sent while it waits", async () => {
    const accepted = signals.next("receiver attached", { address: "waiting", sessionReceiver: true })
    const pending = bus.client.acceptNextSession("waiting", { receiveMode: "receiveAndDelete" })
    await accepted
    await bus.client.createSender("waiting").sendMessages({ body: "late", sessionId: "late-session" })
    const receiver = await pending
    expect(receiver.sessionId).toBe("late-session")
    expect(bodies(await receiveAll(receiver, 1))).toEqual(["late"])
    await receiver.close()
  })

  it("never lets two receivers hold one session", async () => {
    await bus.client.createSender("exclusive").sendMessages({ body: "mine", sessionId: "held" })
    const holder = await bus.client.acceptSession("exclusive", "held")
    const second = await failure(bus.client.acceptSession("exclusive", "held"))
    expect(second.code).toBe("SessionCannotBeLocked")
    // The held session has a message, but acceptNextSession does not hand it out twice.
    const impatient = newClient(bus.emulator.connectionString, { timeoutInMs: 1000 })
    expect((await failure(impatient.acceptNextSession("exclusive"))).code).toBe("ServiceTimeout")
    await impatient.close()
    // Once released, the session can be taken again, and its unsettled message comes back.
    await holder.close()
    const next = await bus.client.acceptNextSession("exclusive")
    expect(next.sessionId).toBe("held")
    const [message] = await receiveAll(next, 1)
    expect(message?.body).toBe("mine")
    if (message !== undefined) await next.completeMessage(message)
    await next.close()
  })

  it("keeps session state across receivers", async () => {
    const first = await bus.client.acceptSession("stateful", "order-7")
    expect(await first.getSessionState()).toBeNull()
    await first.setSessionState({ step: 2, items: ["a", "b"] })
    await first.close()
    const second = await bus.client.acceptSession("stateful", "order-7")
    expect(await second.getSessionState()).toEqual({ step: 2, items: ["a", "b"] })
    await second.setSessionState(Buffer.from([1, 2, 3]))
    expect(await second.getSessionState()).toEqual(Buffer.from([1, 2, 3]))
    await second.close()
    const closed = await failure(second.getSessionState())
    expect(closed.message).toContain("has been closed")
  })

  it("returns an abandoned message first in its session, with delivery count + 1", async () => {
    const receiver = await sendAndAccept("abandoning", ["first", "second"])
    const [first] = await receiver.receiveMessages(1)
    if (first === undefined) throw new Error("expected a message")
    await receiver.abandonMessage(first, { attempt: 1 })
    const again = await receiveAll(receiver, 2)
    expect(bodies(again)).toEqual(["first", "second"])
    expect(again.map((m) => m.deliveryCount)).toEqual([1, 0])
    expect(again[0]?.applicationProperties).toEqual({ attempt: 1 })
    for (const message of again) await receiver.completeMessage(message)
    await receiver.close()
  })

  it("dead-letters per message after MaxDeliveryCount, and the session goes on with the next message", async () => {
    await bus.client.createSender("poison").sendMessages([
      { body: "poison", sessionId: "s", messageId: "p-1" },
      { body: "fine", sessionId: "s" },
    ])
    const receiver = await bus.client.acceptSession("poison", "s")
    for (let attempt = 0; attempt < 2; attempt++) {
      const [message] = await receiver.receiveMessages(1)
      expect(message?.body).toBe("poison")
      expect(message?.deliveryCount).toBe(attempt)
      if (message !== undefined) await receiver.abandonMessage(message)
    }
    const [next] = await receiver.receiveMessages(1)
    expect(next?.body).toBe("fine")
    if (next !== undefined) await receiver.completeMessage(next)
    await receiver.close()
    // The dead-letter queue of a session queue is not session-enabled.
    const deadLetters = bus.client.createReceiver("poison", { subQueueType: "deadLetter" })
    const [dead] = await receiveAll(deadLetters, 1)
    expect(dead).toMatchObject({ body: "poison", sessionId: "s", deadLetterReason: "MaxDeliveryCountExceeded" })
    if (dead !== undefined) await deadLetters.completeMessage(dead)
  })

  it("releases unsettled messages when the receiver closes (delivery count + 1) and unlocks the session at once", async () => {
    const first = await sendAndAccept("closing", ["unsettled"])
    const [message] = await first.receiveMessages(1)
    expect(message?.deliveryCount).toBe(0)
    await first.close()
    const second = await bus.client.acceptSession("closing", "s")
    const [again] = await second.receiveMessages(1)
    expect(again?.body).toBe("unsettled")
    expect(again?.deliveryCount).toBe(1)
    if (again !== undefined) await second.completeMessage(again)
    await second.close()
  })

  it("a session lock expires unless renewed: the receiver gets SessionLockLost and the session can be taken again", async () => {
    const receiver = await sendAndAccept("expiring", ["slow", "next"], noRenewal)
    const [message] = await receiver.receiveMessages(1)
    if (message === undefined) throw new Error("expected a message")
    const lost = new Promise<{ code?: string }>((resolve) => {
      receiver.subscribe(
        {
          processMessage: async () => undefined,
          processError: async (args) => resolve(args.error as { code?: string }),
        },
        { autoCompleteMessages: false },
      )
    })
    expect((await lost).code).toBe("SessionLockLost")
    expect((await failure(receiver.completeMessage(message))).code).toBe("SessionLockLost")
    expect((await failure(receiver.renewSessionLock())).code).toBe("SessionLockLost")
    const again = await bus.client.acceptSession("expiring", "s", noRenewal)
    const redelivered = await receiveAll(again, 2)
    expect(bodies(redelivered)).toEqual(["slow", "next"])
    expect(redelivered.map((m) => m.deliveryCount)).toEqual([1, 1])
    for (const m of redelivered) await again.completeMessage(m)
    await again.close()
  })

  it("renewSessionLock extends the session lock past its first expiry", async () => {
    const receiver = await sendAndAccept("renewing", ["long job"], noRenewal)
    const firstLockedUntil = receiver.sessionLockedUntilUtc.getTime()
    const [message] = await receiver.receiveMessages(1)
    if (message === undefined) throw new Error("expected a message")
    // Real time, bounded by the entity's lock: the lock runs on the emulator's clock behind AMQP, and this deadline
    // passing is what the test is about (no event marks a lock that did not expire).
    await untilTime(firstLockedUntil - 800)
    const renewed = await receiver.renewSessionLock()
    expect(renewed.getTime()).toBeGreaterThan(firstLockedUntil)
    expect(receiver.sessionLockedUntilUtc.getTime()).toBe(renewed.getTime())
    // Past the first expiry the session is still ours: settling and session state work.
    await untilTime(firstLockedUntil + 300)
    await receiver.setSessionState("renewed")
    await receiver.completeMessage(message)
    await receiver.close()
  })

  it("peeks one session through a session receiver and all sessions through a plain receiver", async () => {
    await bus.client.createSender("peeking").sendMessages([
      { body: "p1", sessionId: "p" },
      { body: "q1", sessionId: "q" },
      { body: "p2", sessionId: "p" },
    ])
    const everything = await bus.client.createReceiver("peeking").peekMessages(10)
    expect(bodies(everything)).toEqual(["p1", "q1", "p2"])
    const receiver = await bus.client.acceptSession("peeking", "p")
    // The SDK continues peeking after the last peeked message of the entity; start from the first one again.
    const fromSequenceNumber = everything[0]?.sequenceNumber
    if (fromSequenceNumber === undefined) throw new Error("expected a sequence number")
    expect(bodies(await receiver.peekMessages(10, { fromSequenceNumber }))).toEqual(["p1", "p2"])
    await receiver.close()
    // A plain receiver cannot receive from a session queue, as in Service Bus.
    const plain = await failure(bus.client.createReceiver("peeking").receiveMessages(1))
    expect(plain.message).toContain("requires sessions")
  })

  it("defers a message in a session and receives it by sequence number under the session lock", async () => {
    const receiver = await sendAndAccept("deferring", ["later", "now"])
    const [later] = await receiver.receiveMessages(1)
    if (later?.sequenceNumber === undefined) throw new Error("expected a message")
    await receiver.deferMessage(later)
    const [now] = await receiver.receiveMessages(1)
    expect(now?.body).toBe("now")
    if (now !== undefined) await receiver.completeMessage(now)
    const [deferred] = await receiver.receiveDeferredMessages(later.sequenceNumber)
    expect(deferred).toMatchObject({ body: "later", state: "deferred", sessionId: "s" })
    if (deferred !== undefined) await receiver.completeMessage(deferred)
    expect(await receiver.peekMessages(5)).toEqual([])
    await receiver.close()
  })

  it("the session processor (subscribe) handles a session's messages in order and completes them", async () => {
    const count = 25
    await bus.client
      .createSender("processing")
      .sendMessages(Array.from({ length: count }, (_, i) => ({ body: i, sessionId: "stream" })))
    const receiver = await bus.client.acceptNextSession("processing")
    const seen: Array<number> = []
    await new Promise<void>((resolve, reject) => {
      const subscription = receiver.subscribe({
        processMessage: async (message) => {
          seen.push(message.body as number)
          if (seen.length === count) subscription.close().then(resolve, reject)
        },
        processError: async (args) => reject(args.error),
      })
    })
    expect(seen).toEqual(Array.from({ length: count }, (_, i) => i))
    expect(await receiver.peekMessages(5)).toEqual([])
    await receiver.close()
  })

  it("receive-and-delete session receivers take messages without locks", async () => {
    await bus.client.createSender("deleting").sendMessages([
      { body: 1, sessionId: "s" },
      { body: 2, sessionId: "s" },
    ])
    const receiver = await bus.client.acceptSession("deleting", "s", { receiveMode: "receiveAndDelete" })
    const received = await receiveAll(receiver, 2)
    expect(bodies(received)).toEqual([1, 2])
    expect(received.every((m) => m.lockToken === undefined)).toBe(true)
    expect(await receiver.peekMessages(5)).toEqual([])
    await receiver.close()
  })

  it("fans out to session subscriptions, which group by session, next to plain ones", async () => {
    await bus.client.createSender("orders").sendMessages([
      { body: "c1-a", sessionId: "customer-1" },
      { body: "c2-a", sessionId: "customer-2", subject: "vip" },
      { body: "c1-b", sessionId: "customer-1" },
    ])
    const audit = bus.client.createReceiver("orders", "audit", { receiveMode: "receiveAndDelete" })
    expect(bodies(await receiveAll(audit, 3))).toEqual(["c1-a", "c2-a", "c1-b"])
    const customer = await bus.client.acceptSession("orders", "by-customer", "customer-1", {
      receiveMode: "receiveAndDelete",
    })
    expect(bodies(await receiveAll(customer, 2))).toEqual(["c1-a", "c1-b"])
    await customer.close()
    const vip = await bus.client.acceptNextSession("orders", "vip-sessions", { receiveMode: "receiveAndDelete" })
    expect(vip.sessionId).toBe("customer-2")
    expect(bodies(await receiveAll(vip, 1))).toEqual(["c2-a"])
    await vip.close()
    // Only the session subscription that takes a message needs its session id: vip-sessions filters this one out,
    // but by-customer takes everything.
    const refused = await failure(bus.client.createSender("orders").sendMessages({ body: "x", subject: "plain" }))
    expect(refused.message).toContain("by-customer")
  })

  it("accounts for every message: concurrent acceptNextSession workers get each message once, in session order", async () => {
    const sessions = 8
    const perSession = 20
    const sent = Array.from({ length: sessions * perSession }, (_, i) => ({
      body: { session: `s${i % sessions}`, index: Math.floor(i / sessions) },
      sessionId: `s${i % sessions}`,
    }))
    await bus.client.createSender("accounting").sendMessages(sent)
    const received = new Map<string, Array<number>>()
    const impatient = newClient(bus.emulator.connectionString, { timeoutInMs: 1000 })
    const worker = async () => {
      for (;;) {
        let receiver: ServiceBusSessionReceiver
        try {
          receiver = await impatient.acceptNextSession("accounting", { maxAutoLockRenewalDurationInMs: 0 })
        } catch {
          return // no session left
        }
        const list = received.get(receiver.sessionId) ?? []
        received.set(receiver.sessionId, list)
        for (;;) {
          const batch = await receiver.receiveMessages(7, { maxWaitTimeInMs: 300 })
          if (batch.length === 0) break
          for (const message of batch) {
            list.push((message.body as { index: number }).index)
            await receiver.completeMessage(message)
          }
        }
        await receiver.close()
      }
    }
    await Promise.all(Array.from({ length: 3 }, () => worker()))
    await impatient.close()
    expect(received.size).toBe(sessions)
    for (const indexes of received.values()) expect(indexes).toEqual(Array.from({ length: perSession }, (_, i) => i))
    expect(await bus.client.createReceiver("accounting").peekMessages(10)).toEqual([])
  })

  it("refuses session receivers on entities without sessions", async () => {
    const next = await failure(bus.client.acceptNextSession("plain"))
    expect(next.message).toContain("'plain' does not require sessions")
    // With a session id the SDK reports its own wording (as it does against Service Bus).
    expect((await failure(bus.client.acceptSession("plain", "s"))).code).toBe("SessionCannotBeLocked")
  })

  it("works on session queues created at run time; deleting one ends its session receivers and waiting requests", async () => {
    const admin = adminClient(bus.emulator.connectionString)
    await admin.createQueue("created-sessions", { requiresSession: true })
    await bus.client.createSender("created-sessions").sendMessages({ body: "x", sessionId: "s" })
    const receiver = await bus.client.acceptSession("created-sessions", "s")
    let resolveReceived: (body: unknown) => void = () => undefined
    const received = new Promise<unknown>((resolve) => {
      resolveReceived = resolve
    })
    const ended = new Promise<{ code?: string }>((resolve) => {
      receiver.subscribe(
        {
          processMessage: async (message) => resolveReceived(message.body),
          processError: async (args) => resolve(args.error as { code?: string }),
        },
        { autoCompleteMessages: false },
      )
    })
    expect(await received).toBe("x")
    const attached = signals.next("receiver attached", { address: "created-sessions", sessionReceiver: true })
    const waiting = failure(bus.client.acceptNextSession("created-sessions"))
    await attached
    await admin.deleteQueue("created-sessions")
    expect((await ended).code).toBe("MessagingEntityNotFound")
    expect((await waiting).code).toBe("MessagingEntityNotFound")
  })
})
