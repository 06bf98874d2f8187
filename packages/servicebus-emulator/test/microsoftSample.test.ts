import { fileURLToPath } from "node:url"
import type { ServiceBusReceivedMessage } from "@azure/service-bus"
import { describe, expect, it } from "vitest"
import { loadConfigFile } from "../src/index.ts"
import { drain, useEmulator } from "./support.ts"

/**
 * Microsoft's sample Config.json, byte for byte as the emulator installer repository ships it
 * (github.com/Azure/azure-service-bus-emulator-installer, ServiceBus-Emulator/Config/Config.json at 40fb40f,
 * MIT): `//` comments, a correlation filter on ContentType, one on an application property, a subscription
 * without rules, and a SQL filter with the action `SET sys.To = 'Entity'`.
 */
const samplePath = fileURLToPath(new URL("./fixtures/microsoft-sample-Config.json", import.meta.url))

describe("Microsoft's sample Config.json", () => {
  it("loads, comments included", () => {
    const config = loadConfigFile(samplePath)
    expect(config.namespace.name).toBe("sbemulatorns")
    expect(config.namespace.queues.map((q) => q.name)).toEqual(["queue.1"])
    const topic = config.namespace.topics[0]
    expect(topic?.subscriptions.map((s) => s.name)).toEqual([
      "subscription.1",
      "subscription.2",
      "subscription.3",
      "subscription.4",
    ])
    expect(topic?.subscriptions[3]?.rules).toEqual([
      {
        name: "sql-filter-1",
        filter: { type: "sql", expression: "sys.MessageId = '123456' AND userProp1 = 'value1'", parameters: {} },
        action: { expression: "SET sys.To = 'Entity'", parameters: {} },
      },
    ])
  })

  describe("behaves as its rules describe", () => {
    const bus = useEmulator({ configPath: samplePath })

    const drainSorted = async (subscription: string, expected: number) =>
      (await drain(bus.client, { topic: "topic.1", subscription }, expected)).sort((a, b) =>
        String(a.messageId).localeCompare(String(b.messageId)),
      )

    it("routes by content type, by application property, to all, and by SQL with the action applied", async () => {
      await bus.client.createSender("topic.1").sendMessages([
        { messageId: "json", body: { n: 1 }, contentType: "application/json" },
        { messageId: "prop", body: "p", applicationProperties: { prop1: "value1" } },
        { messageId: "123456", body: "sql", applicationProperties: { userProp1: "value1" } },
        { messageId: "123457", body: "near miss", applicationProperties: { userProp1: "value1" } },
        { messageId: "123456-other", body: "near miss", applicationProperties: { userProp1: "value2" } },
      ])
      const messageIds = (messages: ReadonlyArray<ServiceBusReceivedMessage>) => messages.map((m) => m.messageId)

      expect(messageIds(await drainSorted("subscription.1", 1))).toEqual(["json"])
      expect(messageIds(await drainSorted("subscription.2", 1))).toEqual(["prop"])
      expect(messageIds(await drainSorted("subscription.3", 5))).toEqual([
        "123456",
        "123456-other",
        "123457",
        "json",
        "prop",
      ])
      const sql = await drainSorted("subscription.4", 1)
      expect(messageIds(sql)).toEqual(["123456"])
      expect(sql[0]?.to).toBe("Entity")
      expect(sql[0]?.body).toBe("sql")
      expect(sql[0]?.applicationProperties).toEqual({ userProp1: "value1", RuleName: "sql-filter-1" })
    })

    it("serves its queue", async () => {
      await bus.client.createSender("queue.1").sendMessages({ messageId: "q", body: "hello" })
      expect((await drain(bus.client, { queue: "queue.1" }, 1)).map((m) => m.body)).toEqual(["hello"])
    })
  })
})
