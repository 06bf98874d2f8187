import { describe, expect, it } from "vitest"
import { failure, namespaceConfig, receiveAll, useEmulator } from "./support.ts"

const config = namespaceConfig({
  Topics: [
    {
      Name: "inventory",
      Subscriptions: [
        { Name: "dynamic" },
        {
          Name: "configured",
          Rules: [
            {
              Name: "vms",
              Properties: {
                FilterType: "Correlation",
                CorrelationFilter: { ContentType: "application/json", Properties: { kind: "vm" } },
              },
            },
          ],
        },
      ],
    },
  ],
})

describe("subscription rules through the rule manager", () => {
  const bus = useEmulator({ config })

  it("lists configured rules, including the $Default TrueFilter", async () => {
    const dynamic = []
    for await (const rule of bus.client.createRuleManager("inventory", "dynamic").listRules()) dynamic.push(rule)
    expect(dynamic).toEqual([{ name: "$Default", filter: { sqlExpression: "1=1" }, action: {} }])
    const configured = []
    for await (const rule of bus.client.createRuleManager("inventory", "configured").listRules()) configured.push(rule)
    expect(configured).toMatchObject([
      { name: "vms", filter: { contentType: "application/json", applicationProperties: { kind: "vm" } } },
    ])
  })

  it("replaces the default rule with a correlation filter that then routes messages", async () => {
    const rules = bus.client.createRuleManager("inventory", "dynamic")
    await rules.createRule("deleted", { subject: "resource_deleted" })
    await rules.deleteRule("$Default")
    const duplicate = await failure(rules.createRule("deleted", { subject: "other" }))
    expect(duplicate.code).toBe("MessagingEntityAlreadyExists")
    const missing = await failure(rules.deleteRule("nope"))
    expect(missing.code).toBe("MessagingEntityNotFound")
    const unsupported = await failure(rules.createRule("sql", { sqlExpression: "sys.EnqueuedTimeUtc > 3" }))
    expect(unsupported.message).toContain("sys.EnqueuedTimeUtc is not supported by the emulator")

    await bus.client.createSender("inventory").sendMessages([
      { body: "kept", subject: "resource_deleted" },
      {
        body: "filtered",
        subject: "resource_created",
        contentType: "application/json",
        applicationProperties: { kind: "vm" },
      },
    ])
    const receiver = bus.client.createReceiver("inventory", "dynamic", { receiveMode: "receiveAndDelete" })
    expect((await receiveAll(receiver, 1)).map((m) => m.body)).toEqual(["kept"])
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([])
    const configured = bus.client.createReceiver("inventory", "configured", { receiveMode: "receiveAndDelete" })
    expect((await receiveAll(configured, 1)).map((m) => m.body)).toEqual(["filtered"])
  })
})
