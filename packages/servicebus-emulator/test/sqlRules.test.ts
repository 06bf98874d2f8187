import type { ServiceBusClient, ServiceBusMessage, ServiceBusReceivedMessage } from "@azure/service-bus"
import { describe, expect, it } from "vitest"
import { types } from "../src/amqp/rheaTypes.ts"
import type { RuleJson, SubscriptionJson } from "../src/config/ConfigJson.ts"
import { adminClient, drain, failure, namespaceConfig, useEmulator } from "./support.ts"

const sqlRule = (name: string, expression: string, action?: string): RuleJson => ({
  Name: name,
  Properties:
    action === undefined
      ? { FilterType: "Sql", SqlFilter: { SqlExpression: expression } }
      : { FilterType: "Sql", SqlFilter: { SqlExpression: expression }, Action: { SqlExpression: action } },
})

/** A HayMaker agent event as the publisher sends it: subject and `event_type` name the type. */
const event = (
  id: string,
  eventType: string,
  properties: Record<string, string | number | boolean> = {},
): ServiceBusMessage => ({
  messageId: id,
  body: { event_type: eventType },
  contentType: "application/json",
  subject: eventType,
  applicationProperties: { event_type: eventType, run_id: "run-1", scenario_name: "vm", ...properties },
})

/** An emulator for the suite with the topic agent-logs and `subscriptions`. */
const useAgentLogs = (subscriptions: ReadonlyArray<SubscriptionJson>, options: { readonly httpPort?: number } = {}) =>
  useEmulator({
    config: namespaceConfig({ Topics: [{ Name: "agent-logs", Subscriptions: subscriptions }] }),
    ...options,
  })

/** Drains a subscription of agent-logs (or its dead-letter queue): exactly what is there. */
const drainSubscription = (
  client: ServiceBusClient,
  subscription: string,
  expected: number,
  subQueueType?: "deadLetter",
): Promise<Array<ServiceBusReceivedMessage>> =>
  drain(client, { topic: "agent-logs", subscription }, expected, subQueueType)

const ids = (messages: ReadonlyArray<ServiceBusReceivedMessage>) => messages.map((m) => String(m.messageId)).sort()

describe("HayMaker's other subscribers: SQL filters on agent-logs", () => {
  const bus = useAgentLogs([
    { Name: "orchestrator-sub" },
    { Name: "cleanup-sub", Rules: [sqlRule("deletion-failures", "event_type = 'resource_deletion_failed'")] },
    { Name: "alerting-sub", Rules: [sqlRule("errors", "severity IN ('error')")] },
    {
      Name: "audit-sub",
      Rules: [
        sqlRule("resources", "sys.Label LIKE 'resource!_%' ESCAPE '!' AND NOT scenario_name IS NULL"),
        sqlRule("slow", "duration_ms / 1000 >= 2 AND user.run_id <> 'run-ignored'"),
      ],
    },
    {
      Name: "lenient-sub",
      Properties: { DeadLetteringOnFilterEvaluationExceptions: false },
      Rules: [sqlRule("errors", "severity = 'error'")],
    },
  ])

  it("routes each event to exactly the subscriptions whose rules match it; a rule that fails dead-letters", async () => {
    const events = [
      event("created-1", "resource_created"),
      event("deleted-1", "resource_deleted"),
      event("failed-1", "resource_deletion_failed", { severity: "error" }),
      event("failed-2", "resource_deletion_failed"),
      event("log-error", "error", { severity: "error", duration_ms: 2500 }),
      event("log-warning", "operation", { severity: "warning", duration_ms: 1999 }),
      event("log-info", "agent_started", { severity: "info", duration_ms: 2000, run_id: "run-ignored" }),
      // A number cannot be compared with a string: the severity rules fail on this one.
      event("log-numeric-severity", "operation", { severity: 3 }),
    ]
    await bus.client.createSender("agent-logs").sendMessages(events)

    expect(ids(await drainSubscription(bus.client, "orchestrator-sub", events.length))).toEqual(
      events.map((e) => e.messageId).sort(),
    )
    expect(ids(await drainSubscription(bus.client, "cleanup-sub", 2))).toEqual(["failed-1", "failed-2"])
    expect(ids(await drainSubscription(bus.client, "alerting-sub", 2))).toEqual(["failed-1", "log-error"])
    // 2500 / 1000 is 2 (Int64 division); 1999 / 1000 is 1.
    expect(ids(await drainSubscription(bus.client, "audit-sub", 5))).toEqual([
      "created-1",
      "deleted-1",
      "failed-1",
      "failed-2",
      "log-error",
    ])
    expect(ids(await drainSubscription(bus.client, "lenient-sub", 2))).toEqual(["failed-1", "log-error"])

    const deadLettered = await drainSubscription(bus.client, "alerting-sub", 1, "deadLetter")
    expect(ids(deadLettered)).toEqual(["log-numeric-severity"])
    expect(deadLettered[0]?.deadLetterReason).toBe("FilterEvaluationException")
    expect(deadLettered[0]?.deadLetterErrorDescription).toBe(
      "The rule 'errors' failed on the message: The operator '=' cannot be applied to integer and string.",
    )
    // With DeadLetteringOnFilterEvaluationExceptions off, the subscription just does not get the message.
    expect(await drainSubscription(bus.client, "lenient-sub", 0, "deadLetter")).toEqual([])
    for (const subscription of ["orchestrator-sub", "cleanup-sub", "audit-sub"]) {
      expect(await drainSubscription(bus.client, subscription, 0, "deadLetter")).toEqual([])
    }
  })
})

describe("rule actions change the copy that enters the subscription", () => {
  const bus = useAgentLogs([
    { Name: "plain" },
    {
      Name: "routed",
      Rules: [
        sqlRule(
          "route",
          "event_type = 'resource_created'",
          "SET sys.To = 'cleanup'; SET sys.Label = sys.Label + '-routed'; SET attempts = attempts * 2; " +
            "SET ratio = attempts / 4.0; SET routed = TRUE; REMOVE scenario_name; REMOVE sys.CorrelationId",
        ),
      ],
    },
    {
      Name: "fanned",
      Rules: [
        sqlRule("all", "sys.Label = 'operation'"),
        sqlRule("first", "sys.Label = 'operation' AND attempts > 0", "SET copy = 'first'"),
        sqlRule("second", "sys.Label = 'operation' AND EXISTS(attempts)", "SET copy = 'second'"),
        sqlRule("never", "attempts < 0", "SET copy = 'never'"),
      ],
    },
  ])

  it("sets and removes system and application properties on that copy only", async () => {
    await bus.client.createSender("agent-logs").sendMessages({
      ...event("m1", "resource_created", { attempts: 3 }),
      correlationId: "corr-1",
    })
    const [routed] = await drainSubscription(bus.client, "routed", 1)
    expect(routed).toMatchObject({ messageId: "m1", to: "cleanup", subject: "resource_created-routed" })
    expect(routed?.correlationId).toBeUndefined()
    expect(routed?.body).toEqual({ event_type: "resource_created" })
    expect(routed?.applicationProperties).toEqual({
      event_type: "resource_created",
      run_id: "run-1",
      attempts: 6,
      ratio: 1.5,
      routed: true,
      RuleName: "route",
    })
    // The other subscription's copy is the message as sent.
    const [plain] = await drainSubscription(bus.client, "plain", 1)
    expect(plain).toMatchObject({ messageId: "m1", subject: "resource_created", correlationId: "corr-1" })
    expect(plain?.to).toBeUndefined()
    expect(plain?.applicationProperties).toEqual({
      event_type: "resource_created",
      run_id: "run-1",
      scenario_name: "vm",
      attempts: 3,
    })
  })

  it("gives one copy for the rules without actions and one per matching rule with an action", async () => {
    await bus.client.createSender("agent-logs").sendMessages(event("m2", "operation", { attempts: 1 }))
    const copies = await drainSubscription(bus.client, "fanned", 3)
    expect(copies.map((m) => [m.messageId, m.applicationProperties?.copy, m.applicationProperties?.RuleName])).toEqual([
      ["m2", undefined, undefined],
      ["m2", "first", "first"],
      ["m2", "second", "second"],
    ])
    const sequenceNumbers = new Set(copies.map((m) => m.sequenceNumber?.toString()))
    expect(sequenceNumbers.size).toBe(3)
    await drainSubscription(bus.client, "plain", 1)
  })
})

describe("SQL rules through the rule manager", () => {
  const bus = useAgentLogs([{ Name: "dynamic" }])

  it("creates, lists and deletes SQL rules with actions, and routes by them", async () => {
    const rules = bus.client.createRuleManager("agent-logs", "dynamic")
    await rules.createRule(
      "failures",
      { sqlExpression: "event_type = 'resource_deletion_failed' OR severity IN ('error')" },
      { sqlExpression: "SET sys.Label = 'alert'" },
    )
    await rules.deleteRule("$Default")
    const listed = []
    for await (const rule of rules.listRules()) listed.push(rule)
    expect(listed).toEqual([
      {
        name: "failures",
        filter: { sqlExpression: "event_type = 'resource_deletion_failed' OR severity IN ('error')" },
        action: { sqlExpression: "SET sys.Label = 'alert'" },
      },
    ])

    await bus.client
      .createSender("agent-logs")
      .sendMessages([
        event("kept", "resource_deletion_failed"),
        event("dropped", "resource_created"),
        event("alert", "error", { severity: "error" }),
      ])
    const received = await drainSubscription(bus.client, "dynamic", 2)
    expect(received.map((m) => [m.messageId, m.subject, m.applicationProperties?.RuleName]).sort()).toEqual([
      ["alert", "alert", "failures"],
      ["kept", "alert", "failures"],
    ])
  })

  it("refuses a filter that does not parse with the position and what was expected", async () => {
    const rules = bus.client.createRuleManager("agent-logs", "dynamic")
    const syntax = await failure(rules.createRule("broken", { sqlExpression: "event_type = " }))
    expect(syntax.code).toBe("GeneralError")
    expect(syntax.message).toBe(
      "ArgumentError: The SQL filter expression 'event_type = ' is invalid: line 1, column 14: expected a value, " +
        "a property or '(', found end of expression.",
    )
    const action = await failure(rules.createRule("broken", { sqlExpression: "1=1" }, { sqlExpression: "SET" }))
    expect(action.message).toBe(
      "ArgumentError: The SQL rule action 'SET' is invalid: line 1, column 4: expected a property name, found end of expression.",
    )
    const unknown = await failure(rules.createRule("broken", { sqlExpression: "sys.Subject = 'x'" }))
    expect(unknown.message).toContain("'Subject' is not a system property")
  })

  it("answers not-implemented, naming the feature, for what the emulator does not support", async () => {
    const rules = bus.client.createRuleManager("agent-logs", "dynamic")
    const error = await failure(rules.createRule("dated", { sqlExpression: "sys.EnqueuedTimeUtc > 1" }))
    expect(error.message).toContain("NotImplementedError")
    expect(error.message).toContain("the system property sys.EnqueuedTimeUtc is not supported by the emulator")
    const names = []
    for await (const rule of rules.listRules()) names.push(rule.name)
    expect(names).toEqual(["failures"])
  })
})

describe("SQL rules with parameters through ServiceBusAdministrationClient", () => {
  const bus = useAgentLogs([{ Name: "dynamic" }], { httpPort: 0 })

  it("creates rules whose filter and action take @parameters, reads them back, and routes by them", async () => {
    const admin = adminClient(bus.emulator.connectionString)
    await admin.createSubscription("agent-logs", "by-parameters", { deadLetteringOnFilterEvaluationExceptions: false })
    await admin.deleteRule("agent-logs", "by-parameters", "$Default")
    const created = await admin.createRule(
      "agent-logs",
      "by-parameters",
      "slow-failures",
      {
        sqlExpression: "event_type = @type AND duration_ms > @limit",
        sqlParameters: { "@type": "resource_deletion_failed", "@limit": 1000 },
      },
      { sqlExpression: "SET sys.Label = @label", sqlParameters: { "@label": "slow" } },
    )
    expect(created).toMatchObject({
      name: "slow-failures",
      filter: {
        sqlExpression: "event_type = @type AND duration_ms > @limit",
        sqlParameters: { "@type": "resource_deletion_failed", "@limit": 1000 },
      },
      action: { sqlExpression: "SET sys.Label = @label", sqlParameters: { "@label": "slow" } },
    })
    expect((await admin.getSubscription("agent-logs", "by-parameters")).deadLetteringOnFilterEvaluationExceptions).toBe(
      false,
    )

    await bus.client
      .createSender("agent-logs")
      .sendMessages([
        event("slow", "resource_deletion_failed", { duration_ms: 1500 }),
        event("fast", "resource_deletion_failed", { duration_ms: 500 }),
        event("other", "resource_created", { duration_ms: 1500 }),
      ])
    const received = await drainSubscription(bus.client, "by-parameters", 1)
    expect(received.map((m) => [m.messageId, m.subject])).toEqual([["slow", "slow"]])

    const missing = await failure(
      admin.createRule("agent-logs", "by-parameters", "unbound", { sqlExpression: "event_type = @nowhere" }),
    )
    expect(missing.message).toContain("the parameter @nowhere has no value")
  })
})

describe("typed properties: Int64 and Double as other stacks send them", () => {
  // uamqp (the Python SDK) sends a Python int as an AMQP long and a float as a double; rhea's typed values, passed
  // through the JS SDK, put exactly those encodings on the wire.
  const long = (value: number) => types.wrap_long(value) as unknown as number
  const double = (value: number) => types.Double(value) as unknown as number
  const bus = useEmulator({
    config: namespaceConfig({
      Topics: [
        {
          Name: "typed",
          Subscriptions: [
            {
              Name: "doubled",
              Properties: { ForwardTo: "check" },
              Rules: [sqlRule("double-it", "EXISTS(quantity)", "SET quantity = quantity * 2")],
            },
          ],
        },
        { Name: "check", Subscriptions: [{ Name: "int-division", Rules: [sqlRule("quarter", "quantity / 4 = 2")] }] },
      ],
    }),
  })

  it("divides Int64 as integers and Double as doubles, and an action keeps each property's type", async () => {
    await bus.client.createSender("typed").sendMessages([
      { messageId: "long", body: "l", applicationProperties: { quantity: long(5) } },
      { messageId: "double", body: "d", applicationProperties: { quantity: double(5) } },
    ])
    // 5 (long) doubled is 10 (long), and 10 / 4 is 2; 5.0 doubled is 10.0, and 10.0 / 4 is 2.5.
    const received = await drain(bus.client, { topic: "check", subscription: "int-division" }, 1)
    expect(
      received.map((m) => [m.messageId, m.applicationProperties?.quantity, m.applicationProperties?.RuleName]),
    ).toEqual([["long", 10, "double-it"]])
  })
})
