import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { ServiceBusClient } from "@azure/service-bus"
import { afterEach, describe, expect, it } from "vitest"
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "../src/index.ts"
import { adminClient, namespaceConfig, newClient, receiveAll } from "./support.ts"

const config = namespaceConfig({
  Queues: [{ Name: "jobs", Properties: { MaxDeliveryCount: 5, LockDuration: "PT5M" } }],
  Topics: [{ Name: "events", Subscriptions: [{ Name: "all" }] }],
})

/** Emulators and clients opened by a test, closed after it (clients first). */
const opened: Array<{ emulator: RunningEmulator; client: ServiceBusClient }> = []
const directories: Array<string> = []

const dataDirectory = (): string => {
  const path = mkdtempSync(join(tmpdir(), "sb-emulator-data-"))
  directories.push(path)
  return path
}

const start = async (options: EmulatorOptions): Promise<{ emulator: RunningEmulator; client: ServiceBusClient }> => {
  const emulator = await startEmulator({ config, ...options })
  const running = { emulator, client: newClient(emulator.connectionString) }
  opened.push(running)
  return running
}

const stop = async (running: { emulator: RunningEmulator; client: ServiceBusClient }): Promise<void> => {
  await running.client.close()
  await running.emulator.close()
  opened.splice(opened.indexOf(running), 1)
}

afterEach(async () => {
  for (const running of opened.splice(0)) {
    await running.client.close()
    await running.emulator.close()
  }
  for (const path of directories.splice(0)) rmSync(path, { recursive: true, force: true })
})

describe("durable storage (dataDir)", () => {
  it("keeps runtime entities, messages, scheduled messages, dead letters and sequence numbers across a restart", async () => {
    const dataDir = dataDirectory()
    const first = await start({ dataDir })
    const admin = adminClient(first.emulator.connectionString)
    await admin.createQueue("created", { maxDeliveryCount: 2 })
    await admin.updateQueue({ ...(await admin.getQueue("jobs")), userMetadata: "changed at run time" })
    await admin.createSubscription("events", "eu", {
      defaultRuleOptions: { name: "eu", filter: { applicationProperties: { region: "eu" } } },
    })
    const jobs = first.client.createSender("jobs")
    await jobs.sendMessages([
      { body: "plain", messageId: "m1", applicationProperties: { n: 1 } },
      {
        body: { nested: [1, 2] },
        messageId: "m2",
        contentType: "application/json",
        subject: "s",
        timeToLive: 3_600_000,
      },
      { body: "to-dead-letter", messageId: "m3" },
      { body: "to-defer", messageId: "m4" },
    ])
    const [scheduledSequence] = await jobs.scheduleMessages(
      { body: "later", messageId: "m5" },
      new Date(Date.now() + 3_600_000),
    )
    await first.client.createSender("created").sendMessages({ body: "in a created queue" })
    await first.client.createSender("events").sendMessages([
      { body: "eu", applicationProperties: { region: "eu" } },
      { body: "us", applicationProperties: { region: "us" } },
    ])
    await first.client
      .createSender("events")
      .scheduleMessages({ body: "topic later" }, new Date(Date.now() + 3_600_000))

    const receiver = first.client.createReceiver("jobs")
    const received = await receiveAll(receiver, 4)
    const byId = new Map(received.map((m) => [m.messageId, m]))
    await receiver.deadLetterMessage(byId.get("m3") as never, {
      deadLetterReason: "bad",
      deadLetterErrorDescription: "test",
    })
    await receiver.deferMessage(byId.get("m4") as never, { deferredBy: "test" })
    await receiver.abandonMessage(byId.get("m1") as never, { abandoned: true })
    // m2 stays locked: locks do not survive a restart.
    const sequenceBefore = Math.max(...received.map((m) => Number(m.sequenceNumber)))
    await stop(first)

    const second = await start({ dataDir })
    const client = second.client
    expect((await adminClient(second.emulator.connectionString).getQueue("created")).maxDeliveryCount).toBe(2)
    // The data directory's definition wins over Config.json's.
    expect(await adminClient(second.emulator.connectionString).getQueue("jobs")).toMatchObject({
      userMetadata: "changed at run time",
      maxDeliveryCount: 5,
    })
    const peeked = await client.createReceiver("jobs").peekMessages(10)
    expect(peeked.map((m) => [m.messageId, m.state, m.deliveryCount])).toEqual([
      ["m1", "active", 1],
      ["m2", "active", 1],
      ["m4", "deferred", 1],
      ["m5", "scheduled", 0],
    ])
    const m2 = peeked.find((m) => m.messageId === "m2")
    expect(m2).toMatchObject({ body: { nested: [1, 2] }, contentType: "application/json", subject: "s" })
    expect(peeked.find((m) => m.messageId === "m1")?.applicationProperties).toEqual({ n: 1, abandoned: true })
    expect(peeked.find((m) => m.messageId === "m5")?.sequenceNumber?.toNumber()).toBe(scheduledSequence?.toNumber())

    const deadLetters = await client.createReceiver("jobs", { subQueueType: "deadLetter" }).peekMessages(10)
    expect(deadLetters.map((m) => [m.messageId, m.deadLetterReason, m.deadLetterErrorDescription])).toEqual([
      ["m3", "bad", "test"],
    ])
    const deferred = await client.createReceiver("jobs").receiveDeferredMessages(peeked[2]?.sequenceNumber as never)
    expect(deferred[0]?.applicationProperties).toEqual({ deferredBy: "test" })

    await client.createSender("jobs").sendMessages({ body: "after restart", messageId: "m6" })
    const [after] = (await client.createReceiver("jobs").peekMessages(10)).filter((m) => m.messageId === "m6")
    expect(Number(after?.sequenceNumber)).toBeGreaterThan(sequenceBefore)

    const created = await receiveAll(client.createReceiver("created", { receiveMode: "receiveAndDelete" }), 1)
    expect(created.map((m) => m.body)).toEqual(["in a created queue"])
    const eu = await receiveAll(client.createReceiver("events", "eu", { receiveMode: "receiveAndDelete" }), 1)
    expect(eu.map((m) => m.body)).toEqual(["eu"])
    expect(
      (await adminClient(second.emulator.connectionString).getTopicRuntimeProperties("events")).scheduledMessageCount,
    ).toBe(1)
  })

  it("comes back with delivery count + 1 for a message locked when it stopped, dead-lettering past MaxDeliveryCount", async () => {
    const dataDir = dataDirectory()
    const first = await start({ dataDir })
    await adminClient(first.emulator.connectionString).createQueue("fragile", {
      maxDeliveryCount: 1,
      lockDuration: "PT5M",
    })
    await first.client.createSender("fragile").sendMessages({ body: "once", messageId: "only" })
    expect((await receiveAll(first.client.createReceiver("fragile"), 1)).map((m) => m.messageId)).toEqual(["only"])
    await stop(first)

    const second = await start({ dataDir })
    expect(await second.client.createReceiver("fragile").peekMessages(5)).toEqual([])
    const [dead] = await second.client.createReceiver("fragile", { subQueueType: "deadLetter" }).peekMessages(5)
    expect(dead).toMatchObject({ messageId: "only", deadLetterReason: "MaxDeliveryCountExceeded", deliveryCount: 1 })
  })

  it("keeps session state and session messages", async () => {
    const dataDir = dataDirectory()
    const first = await start({ dataDir })
    await adminClient(first.emulator.connectionString).createQueue("sessions", { requiresSession: true })
    await first.client.createSender("sessions").sendMessages([
      { body: "a1", sessionId: "a" },
      { body: "b1", sessionId: "b" },
      { body: "a2", sessionId: "a" },
    ])
    const a = await first.client.acceptSession("sessions", "a")
    await a.setSessionState("progress: 1")
    expect((await a.receiveMessages(1)).map((m) => m.body)).toEqual(["a1"])
    await stop(first)

    const second = await start({ dataDir })
    const again = await second.client.acceptSession("sessions", "a", { receiveMode: "receiveAndDelete" })
    expect(String(await again.getSessionState())).toBe("progress: 1")
    expect((await receiveAll(again, 2)).map((m) => [m.body, m.deliveryCount])).toEqual([
      ["a1", 1],
      ["a2", 0],
    ])
    const b = await second.client.acceptSession("sessions", "b", { receiveMode: "receiveAndDelete" })
    expect(await b.getSessionState()).toBeNull()
    expect((await receiveAll(b, 1)).map((m) => m.body)).toEqual(["b1"])
  })

  it("keeps SQL rules with their parameters and actions", async () => {
    const dataDir = dataDirectory()
    const first = await start({ dataDir })
    const admin = adminClient(first.emulator.connectionString)
    await admin.createTopic("priced")
    await admin.createSubscription("priced", "expensive")
    await admin.deleteRule("priced", "expensive", "$Default")
    await admin.createRule(
      "priced",
      "expensive",
      "over",
      { sqlExpression: "price > @limit", sqlParameters: { "@limit": 100 } },
      { sqlExpression: "SET label = 'expensive'" },
    )
    await stop(first)

    const second = await start({ dataDir })
    await second.client.createSender("priced").sendMessages([
      { body: "cheap", applicationProperties: { price: 5 } },
      { body: "dear", applicationProperties: { price: 500 } },
    ])
    const received = await receiveAll(
      second.client.createReceiver("priced", "expensive", { receiveMode: "receiveAndDelete" }),
      1,
    )
    expect(received.map((m) => [m.body, m.applicationProperties?.label])).toEqual([["dear", "expensive"]])
  })

  it("keeps the duplicate detection history: a send retried after a restart is dropped", async () => {
    const dataDir = dataDirectory()
    const first = await start({ dataDir })
    await adminClient(first.emulator.connectionString).createQueue("deduplicated", {
      requiresDuplicateDetection: true,
      duplicateDetectionHistoryTimeWindow: "PT10M",
    })
    await first.client.createSender("deduplicated").sendMessages({ body: "once", messageId: "order-1" })
    await stop(first)

    const second = await start({ dataDir })
    await second.client.createSender("deduplicated").sendMessages([
      { body: "retried", messageId: "order-1" },
      { body: "new", messageId: "order-2" },
    ])
    const received = await receiveAll(
      second.client.createReceiver("deduplicated", { receiveMode: "receiveAndDelete" }),
      2,
    )
    expect(received.map((m) => [m.messageId, m.body])).toEqual([
      ["order-1", "once"],
      ["order-2", "new"],
    ])
  })

  it("forgets deleted entities, their messages and session states", async () => {
    const dataDir = dataDirectory()
    const first = await start({ dataDir })
    const admin = adminClient(first.emulator.connectionString)
    await admin.createQueue("short-lived")
    await first.client.createSender("short-lived").sendMessages({ body: "gone" })
    await admin.deleteQueue("short-lived")
    await admin.createQueue("short-lived")
    await admin.createSubscription("events", "stateful", { requiresSession: true })
    await first.client.createSender("events").sendMessages({ body: "old", sessionId: "s" })
    const session = await first.client.acceptSession("events", "stateful", "s")
    await session.setSessionState("old state")
    await session.close()
    await admin.deleteSubscription("events", "stateful")
    await admin.createSubscription("events", "stateful", { requiresSession: true })
    await stop(first)

    const second = await start({ dataDir })
    expect(await second.client.createReceiver("short-lived").peekMessages(5)).toEqual([])
    const again = await second.client.acceptSession("events", "stateful", "s")
    expect(await again.getSessionState()).toBeNull()
    expect(await again.peekMessages(5)).toEqual([])
  })

  it("compacts the journal so that it does not grow without bound", async () => {
    const dataDir = dataDirectory()
    const running = await start({ dataDir, journalCompactionBytes: 64 * 1024, fsync: "never" })
    const sender = running.client.createSender("jobs")
    const receiver = running.client.createReceiver("jobs", { receiveMode: "receiveAndDelete" })
    const body = "x".repeat(1024)
    for (let round = 0; round < 20; round++) {
      await sender.sendMessages(Array.from({ length: 20 }, (_, i) => ({ body, messageId: `r${round}-${i}` })))
      expect((await receiveAll(receiver, 20)).map((m) => m.messageId)).toEqual(
        Array.from({ length: 20 }, (_, i) => `r${round}-${i}`),
      )
    }
    await sender.sendMessages({ body: "kept", messageId: "kept" })
    // 420 messages of 1 KB went through; the journal holds little more than the one message left.
    expect(statSync(join(dataDir, "journal.log")).size).toBeLessThan(200 * 1024)
    await stop(running)
    const again = await start({ dataDir })
    expect((await again.client.createReceiver("jobs").peekMessages(5)).map((m) => m.messageId)).toEqual(["kept"])
  })

  it("cuts off a torn last write and keeps everything before it", async () => {
    const dataDir = dataDirectory()
    const first = await start({ dataDir })
    await first.client.createSender("jobs").sendMessages({ body: "kept", messageId: "kept" })
    await stop(first)
    // What a crash in the middle of a write leaves: a record header promising more bytes than follow.
    appendFileSync(join(dataDir, "journal.log"), Buffer.from([0xff, 0x00, 0x00, 0x00, 0x12, 0x34]))
    const logs: Array<string> = []
    const second = await start({ dataDir, logLevel: "warn", logSink: (line) => logs.push(line) })
    expect((await second.client.createReceiver("jobs").peekMessages(5)).map((m) => m.messageId)).toEqual(["kept"])
    expect(logs.some((line) => line.includes("journal tail cut off"))).toBe(true)
  })

  it("refuses a journal it cannot read instead of starting empty", async () => {
    const dataDir = dataDirectory()
    const text = "not a journal, but long enough to look like one"
    writeFileSync(join(dataDir, "journal.log"), text)
    await expect(start({ dataDir })).rejects.toThrow(/is not a journal this emulator can read/)
    // The file is left as it was.
    expect(statSync(join(dataDir, "journal.log")).size).toBe(text.length)
  })

  it("refuses a data directory another emulator uses", async () => {
    const dataDir = dataDirectory()
    await start({ dataDir })
    await expect(startEmulator({ config, dataDir })).rejects.toThrow(/in use by the emulator process/)
  })
})
