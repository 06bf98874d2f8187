// First, before anything loads rhea: this file runs on rhea as the registry ships it (see the module). A side-effect
// import keeps its place when imports are sorted.
import "./support/unpatchedRhea.ts"

import { ServiceBusClient } from "@azure/service-bus"
import { settlementAccountingContract } from "@haymaker/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { subscribeToAgentLogs } from "../src/index.ts"
import { serviceBusContractLayer } from "./support/contractBus.ts"
import { drain, resourceCreated, sendRaw, startTestBus, type TestBus } from "./support/testBus.ts"
import { unpatchedSessions } from "./support/unpatchedRhea.ts"

// Installs of our packages get the registry's rhea 3.0.5, which sends concurrent settlements with the wrong outcomes
// (docs/rhea-disposition-ranges.md). This file proves the subscription adapter is correct there on its own.

describe("rhea without this repository's patch", () => {
  let bus: TestBus
  beforeAll(async () => {
    bus = await startTestBus([{ name: "raw-sdk" }, { name: "promise-api" }])
  })
  afterAll(() => bus.close())

  it("is what this file runs on: the raw SDK completes a message dead-lettered next to a completion", async () => {
    expect(unpatchedSessions.length).toBeGreaterThan(0)
    const client = new ServiceBusClient(bus.connectionString)
    try {
      await client.createSender("raw-sdk").sendMessages([{ body: "m1" }, { body: "m2" }])
      const receiver = client.createReceiver("raw-sdk", "orchestrator-sub")
      const [m1, m2] = await receiver.receiveMessages(2)
      if (m1 === undefined || m2 === undefined) throw new Error("expected two messages")
      await Promise.all([
        receiver.completeMessage(m1),
        receiver.deadLetterMessage(m2, { deadLetterReason: "Bad", deadLetterErrorDescription: "m2 is bad" }),
      ])
      // Both settlements were acknowledged; m2 should be in the dead-letter queue, but rhea sent it as completed.
      const deadLetters = client.createReceiver("raw-sdk", "orchestrator-sub", { subQueueType: "deadLetter" })
      expect(await deadLetters.peekMessages(5)).toEqual([])
      expect(await receiver.peekMessages(5)).toEqual([])
    } finally {
      await client.close()
    }
  })

  it("subscribeToAgentLogs settles each message as its callback decided, with 32 callbacks at once", async () => {
    // Every third message is not JSON (dead-lettered), every third throws in its callback the first time (abandoned,
    // then completed when it comes back), the rest are completed: neighbours differ in outcome.
    const count = 600
    const kindOf = (n: number) => (["invalid", "throws", "completes"] as const)[n % 3]
    await sendRaw(
      bus.connectionString,
      "promise-api",
      Array.from({ length: count }, (_, n) => ({
        messageId: `m${n}`,
        body: Buffer.from(
          kindOf(n) === "invalid" ? `not json ${n}` : JSON.stringify(resourceCreated(`vm${n}`)),
          "utf8",
        ),
      })),
    )
    const calls = new Map<string, number>()
    // Callbacks running at the same time finish in the same turn, so their settlements start together.
    let waiting: Array<() => void> = []
    const together = () =>
      new Promise<void>((resolve) => {
        if (waiting.length === 0) {
          setTimeout(() => {
            const all = waiting
            waiting = []
            for (const release of all) release()
          }, 5)
        }
        waiting.push(resolve)
      })
    await subscribeToAgentLogs(
      bus.connectionString,
      "promise-api",
      "orchestrator-sub",
      async (event) => {
        const name = String(event.resource_name)
        const seen = (calls.get(name) ?? 0) + 1
        calls.set(name, seen)
        await together()
        if (kindOf(Number(name.slice(2))) === "throws" && seen === 1) throw new Error(`${name} fails once`)
      },
      // The 200 failing callbacks would each log an error.
      { maxWaitTime: 2, concurrency: 32, logLevel: "None" },
    )
    const valid = Array.from({ length: count }, (_, n) => n).filter((n) => kindOf(n) !== "invalid")
    expect(Object.fromEntries(calls)).toEqual(
      Object.fromEntries(valid.map((n) => [`vm${n}`, kindOf(n) === "throws" ? 2 : 1])),
    )
    const invalid = Array.from({ length: count }, (_, n) => n).filter((n) => kindOf(n) === "invalid")
    const deadLettered = await drain(bus.connectionString, "promise-api", "orchestrator-sub", invalid.length + 1, {
      subQueue: "deadLetter",
      maxWaitMs: 1_000,
    })
    expect(deadLettered.map((message) => message.messageId).sort()).toEqual(invalid.map((n) => `m${n}`).sort())
    expect(new Set(deadLettered.map((message) => message.deadLetterReason))).toEqual(new Set(["InvalidJson"]))
    expect(await drain(bus.connectionString, "promise-api", "orchestrator-sub", 1, { maxWaitMs: 500 })).toEqual([])
  })
})

settlementAccountingContract("Service Bus adapters on an unpatched rhea", {
  makeLayer: serviceBusContractLayer(3),
})
