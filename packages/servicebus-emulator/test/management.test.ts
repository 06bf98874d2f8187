import { describe, expect, it } from "vitest"
import { adminClient, failure, httpsAdminClient, namespaceConfig, receiveAll, useEmulator } from "./support.ts"

const config = namespaceConfig({
  Queues: [{ Name: "configured", Properties: { MaxDeliveryCount: 4 } }],
  Topics: [{ Name: "events", Subscriptions: [{ Name: "all" }] }],
})

const never = "P10675199DT2H48M5.4775807S"

describe("management API through ServiceBusAdministrationClient", () => {
  // HTTPS on the AMQP port with the data plane's connection string: what @azure/service-bus 7.9.5 does.
  const bus = useEmulator({ config, httpPort: 0, tls: true })
  const admin = () => httpsAdminClient(bus.emulator)

  it("creates, reads, updates, lists and deletes a queue", async () => {
    const created = await admin().createQueue("orders", {
      lockDuration: "PT30S",
      maxDeliveryCount: 5,
      userMetadata: "a<b&c",
      autoDeleteOnIdle: "P7D",
    })
    expect(created).toMatchObject({
      name: "orders",
      lockDuration: "PT30S",
      maxDeliveryCount: 5,
      defaultMessageTimeToLive: never,
      duplicateDetectionHistoryTimeWindow: "PT10M",
      requiresSession: false,
      requiresDuplicateDetection: false,
      deadLetteringOnMessageExpiration: false,
      maxSizeInMegabytes: 1024,
      maxMessageSizeInKilobytes: 256,
      enableBatchedOperations: true,
      enablePartitioning: false,
      userMetadata: "a<b&c",
      autoDeleteOnIdle: "P7D",
      status: "Active",
      availabilityStatus: "Available",
    })
    const read = await admin().getQueue("orders")
    expect(read.lockDuration).toBe("PT30S")
    const updated = await admin().updateQueue({ ...read, maxDeliveryCount: 7, defaultMessageTimeToLive: "PT1H" })
    expect(updated).toMatchObject({ maxDeliveryCount: 7, defaultMessageTimeToLive: "PT1H", lockDuration: "PT30S" })
    expect((await admin().getQueue("ORDERS")).maxDeliveryCount).toBe(7)
    const names = []
    for await (const queue of admin().listQueues()) names.push(queue.name)
    expect(names).toEqual(["configured", "orders"])
    expect(await admin().queueExists("orders")).toBe(true)
    await admin().deleteQueue("orders")
    expect(await admin().queueExists("orders")).toBe(false)
    expect((await failure(admin().getQueue("orders"))).code).toBe("MessageEntityNotFoundError")
    expect((await failure(admin().deleteQueue("orders"))).code).toBe("MessageEntityNotFoundError")
  })

  it("reports Config.json entities with their configured properties", async () => {
    const queue = await admin().getQueue("configured")
    expect(queue).toMatchObject({ maxDeliveryCount: 4, lockDuration: "PT1M", defaultMessageTimeToLive: "PT1H" })
    const subscription = await admin().getSubscription("events", "all")
    expect(subscription).toMatchObject({ topicName: "events", subscriptionName: "all", maxDeliveryCount: 3 })
    const rules = []
    for await (const rule of admin().listRules("events", "all")) rules.push(rule)
    expect(rules).toEqual([{ name: "$Default", filter: { sqlExpression: "1=1" }, action: {} }])
  })

  it("refuses what Service Bus refuses, with the SDK's error codes", async () => {
    const duplicate = await failure(admin().createQueue("configured"))
    expect(duplicate.code).toBe("MessageEntityAlreadyExistsError")
    const nameTaken = await failure(admin().createTopic("configured"))
    expect(nameTaken.code).toBe("MessageEntityAlreadyExistsError")
    const tooLong = await failure(admin().createQueue("lock", { lockDuration: "PT6M" }))
    expect(tooLong.code).toBe("ServiceError")
    expect(tooLong.message).toContain("<LockDuration> must be at most PT5M")
    const badForward = await failure(admin().createQueue("fwd", { forwardTo: "nowhere" }))
    expect(badForward.message).toContain("neither a queue nor a topic")
    const configured = await admin().getQueue("configured")
    const selfForward = await failure(admin().updateQueue({ ...configured, forwardTo: "configured" }))
    expect(selfForward.message).toContain("would forward its messages back to it")
    const topicLoop = await failure(admin().createSubscription("events", "loop", { forwardTo: "events" }))
    expect(topicLoop.message).toContain("would forward its messages back to it")
    const badName = await failure(admin().createQueue("bad name"))
    expect(badName.message).toContain("not a valid queue name")
    const sessionChange = await failure(
      admin().updateQueue({ ...(await admin().getQueue("configured")), requiresSession: true }),
    )
    expect(sessionChange.message).toContain("<RequiresSession> cannot be changed")
    const missingTopic = await failure(admin().createSubscription("nope", "s"))
    expect(missingTopic.code).toBe("MessageEntityNotFoundError")
    const missingUpdate = await failure(
      admin().updateQueue({ ...(await admin().getQueue("configured")), name: "ghost" }),
    )
    expect(missingUpdate.code).toBe("MessageEntityNotFoundError")
  })

  it("refuses a wrong key with 401", async () => {
    const wrong = httpsAdminClient(
      bus.emulator,
      bus.emulator.connectionString.replace("SharedAccessKey=SAS_KEY_VALUE", "SharedAccessKey=wrong"),
    )
    const error = await failure(wrong.getQueue("configured"))
    expect(error.code).toBe("UnauthorizedRequestError")
    expect((error as { statusCode?: number }).statusCode).toBe(401)
    expect((await failure(wrong.createQueue("intruder"))).code).toBe("UnauthorizedRequestError")
    expect(await admin().queueExists("intruder")).toBe(false)
  })

  it("creates topics, subscriptions and rules that route messages like configured ones", async () => {
    await admin().createTopic("audit", { defaultMessageTimeToLive: "PT10M" })
    await admin().createSubscription("audit", "everything")
    await admin().createSubscription("audit", "deletes", {
      defaultRuleOptions: {
        name: "deleted",
        filter: { subject: "resource_deleted", applicationProperties: { region: "eu", size: 3, big: false } },
      },
    })
    const rules = []
    for await (const rule of admin().listRules("audit", "deletes")) rules.push(rule)
    expect(rules).toEqual([
      {
        name: "deleted",
        filter: expect.objectContaining({
          subject: "resource_deleted",
          applicationProperties: { region: "eu", size: 3, big: false },
        }),
        action: {},
      },
    ])
    await bus.client.createSender("audit").sendMessages([
      { body: "a", subject: "resource_deleted", applicationProperties: { region: "eu", size: 3, big: false } },
      { body: "b", subject: "resource_created" },
    ])
    const everything = bus.client.createReceiver("audit", "everything", { receiveMode: "receiveAndDelete" })
    expect((await receiveAll(everything, 2)).map((m) => m.body)).toEqual(["a", "b"])
    const deletes = bus.client.createReceiver("audit", "deletes", { receiveMode: "receiveAndDelete" })
    expect((await receiveAll(deletes, 1)).map((m) => m.body)).toEqual(["a"])

    const subscriptions = []
    for await (const s of admin().listSubscriptions("audit")) subscriptions.push(s.subscriptionName)
    expect(subscriptions).toEqual(["everything", "deletes"])
    expect((await admin().getTopicRuntimeProperties("audit")).subscriptionCount).toBe(2)
  })

  it("manages rules one by one; the rule manager over AMQP sees the same rules", async () => {
    await admin().createTopic("inventory")
    await admin().createSubscription("inventory", "vms")
    await admin().createRule("inventory", "vms", "vm", { applicationProperties: { kind: "vm" } })
    await admin().deleteRule("inventory", "vms", "$Default")
    const rule = await admin().getRule("inventory", "vms", "vm")
    expect(rule.filter).toMatchObject({ applicationProperties: { kind: "vm" } })
    await admin().updateRule("inventory", "vms", { ...rule, filter: { applicationProperties: { kind: "disk" } } })
    const overAmqp = []
    for await (const r of bus.client.createRuleManager("inventory", "vms").listRules()) overAmqp.push(r)
    expect(overAmqp).toMatchObject([{ name: "vm", filter: { applicationProperties: { kind: "disk" } } }])
    expect((await failure(admin().createRule("inventory", "vms", "vm", { subject: "x" }))).code).toBe(
      "MessageEntityAlreadyExistsError",
    )
    expect((await failure(admin().deleteRule("inventory", "vms", "gone"))).code).toBe("MessageEntityNotFoundError")
    expect(await admin().ruleExists("inventory", "vms", "gone")).toBe(false)
  })

  it("accepts and refuses SQL filters exactly as the AMQP rule manager does", async () => {
    await admin().createTopic("sql")
    await admin().createSubscription("sql", "over-http")
    await admin().createSubscription("sql", "over-amqp")
    const outcome = (promise: Promise<unknown>) =>
      promise.then(
        () => "created",
        // The AMQP client prefixes the condition ("NotImplementedError: ..."); the text after it must match.
        (error: Error) => error.message.replace(/^\w+Error: /, "").replace(/ status-code: \d+/, ""),
      )
    for (const [name, filter] of [
      ["constant", { sqlExpression: "1=1" }],
      ["comparison", { sqlExpression: "size > 3" }],
      ["malformed", { sqlExpression: "size >" }],
      ["unknown-function", { sqlExpression: "upper(name) = 'A'" }],
    ] as const) {
      const overHttp = await outcome(admin().createRule("sql", "over-http", name, filter))
      const overAmqp = await outcome(bus.client.createRuleManager("sql", "over-amqp").createRule(name, filter))
      expect(overHttp).toBe(overAmqp)
    }
  })

  it("round-trips SQL filter parameters and rule actions", async () => {
    await admin().createTopic("priced")
    await admin().createSubscription("priced", "expensive")
    await admin().createRule(
      "priced",
      "expensive",
      "over",
      { sqlExpression: "price > @limit AND tier = @tier", sqlParameters: { "@limit": 100, "@tier": "gold" } },
      { sqlExpression: "SET label = 'expensive'" },
    )
    const rule = await admin().getRule("priced", "expensive", "over")
    expect(rule).toEqual({
      name: "over",
      filter: { sqlExpression: "price > @limit AND tier = @tier", sqlParameters: { "@limit": 100, "@tier": "gold" } },
      action: { sqlExpression: "SET label = 'expensive'" },
    })
  })

  it("reports runtime counts, sizes and timestamps", async () => {
    const before = Date.now()
    await admin().createQueue("counted", { maxDeliveryCount: 1 })
    const sender = bus.client.createSender("counted")
    await sender.sendMessages([{ body: "one" }, { body: "two" }, { body: "three" }])
    await sender.scheduleMessages({ body: "later" }, new Date(Date.now() + 3_600_000))
    const receiver = bus.client.createReceiver("counted")
    const [first] = await receiver.receiveMessages(1)
    if (first === undefined) throw new Error("expected a message")
    await receiver.deadLetterMessage(first, { deadLetterReason: "test", deadLetterErrorDescription: "counted" })
    const runtime = await admin().getQueueRuntimeProperties("counted")
    expect(runtime).toMatchObject({
      name: "counted",
      activeMessageCount: 2,
      deadLetterMessageCount: 1,
      scheduledMessageCount: 1,
      transferMessageCount: 0,
      transferDeadLetterMessageCount: 0,
      totalMessageCount: 4,
    })
    expect(runtime.sizeInBytes).toBeGreaterThan(0)
    expect(runtime.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000)
    expect(runtime.accessedAt.getTime()).toBeGreaterThanOrEqual(runtime.createdAt.getTime())
    const listed = []
    for await (const q of admin().listQueuesRuntimeProperties()) listed.push(q)
    expect(listed.find((q) => q.name === "counted")?.activeMessageCount).toBe(2)

    await bus.client.createSender("events").scheduleMessages({ body: "later" }, new Date(Date.now() + 3_600_000))
    await bus.client.createSender("events").sendMessages({ body: "now" })
    expect(await admin().getTopicRuntimeProperties("events")).toMatchObject({
      scheduledMessageCount: 1,
      subscriptionCount: 1,
    })
    const all = await admin().getSubscriptionRuntimeProperties("events", "all")
    expect(all).toMatchObject({ activeMessageCount: 1, deadLetterMessageCount: 0, totalMessageCount: 1 })
  })

  it("pages through lists with $skip and $top", async () => {
    for (const name of ["p1", "p2", "p3", "p4", "p5"]) await admin().createTopic(`page-${name}`)
    const pages: Array<Array<string>> = []
    for await (const page of admin().listTopics().byPage({ maxPageSize: 2 })) pages.push(page.map((t) => t.name))
    const all = pages.flat()
    expect(pages.every((page) => page.length <= 2)).toBe(true)
    expect(all.filter((name) => name.startsWith("page-"))).toEqual([
      "page-p1",
      "page-p2",
      "page-p3",
      "page-p4",
      "page-p5",
    ])
    expect(new Set(all).size).toBe(all.length)
  })

  it("forwards and dead-letters on entities it created, like on configured ones", async () => {
    await admin().createQueue("poison")
    await admin().createQueue("work", { maxDeliveryCount: 1, forwardDeadLetteredMessagesTo: "poison" })
    await admin().createQueue("inbox", { forwardTo: "work" })
    expect((await admin().getQueue("inbox")).forwardTo).toBe(
      `sb://${new URL(`http://${hostOf(bus.emulator.connectionString)}`).host}/work`,
    )
    await bus.client.createSender("inbox").sendMessages({ body: "hop" })
    const receiver = bus.client.createReceiver("work", { maxAutoLockRenewalDurationInMs: 0 })
    const [message] = await receiveAll(receiver, 1)
    if (message === undefined) throw new Error("expected a forwarded message")
    await receiver.abandonMessage(message)
    const [poisoned] = await receiveAll(bus.client.createReceiver("poison", { receiveMode: "receiveAndDelete" }), 1)
    expect(poisoned?.body).toBe("hop")
    expect(poisoned?.deadLetterReason).toBe("MaxDeliveryCountExceeded")
  })

  it("dead-letters what it cannot forward once a forwarding destination is deleted", async () => {
    await admin().createQueue("gone")
    await admin().createQueue("source", { forwardTo: "gone" })
    await admin().createQueue("failing", { maxDeliveryCount: 1, forwardDeadLetteredMessagesTo: "gone" })
    await admin().deleteQueue("gone")
    await bus.client.createSender("source").sendMessages({ body: "orphan" })
    const [orphan] = await receiveAll(
      bus.client.createReceiver("source", { subQueueType: "deadLetter", receiveMode: "receiveAndDelete" }),
      1,
    )
    expect(orphan).toMatchObject({ body: "orphan", deadLetterReason: "TransferDestinationEntityNotFound" })
    await bus.client.createSender("failing").sendMessages({ body: "poison" })
    const receiver = bus.client.createReceiver("failing", { maxAutoLockRenewalDurationInMs: 0 })
    const [poison] = await receiveAll(receiver, 1)
    await receiver.abandonMessage(poison as never)
    const [kept] = await receiveAll(
      bus.client.createReceiver("failing", { subQueueType: "deadLetter", receiveMode: "receiveAndDelete" }),
      1,
    )
    expect(kept).toMatchObject({ body: "poison", deadLetterReason: "MaxDeliveryCountExceeded" })
  })

  it("deleting a queue ends its receivers and fails its senders", async () => {
    await admin().createQueue("doomed")
    const sender = bus.client.createSender("doomed")
    await sender.sendMessages({ body: "first" })
    const receiver = bus.client.createReceiver("doomed")
    expect((await receiver.peekMessages(1)).map((m) => m.body)).toEqual(["first"])
    await admin().deleteQueue("doomed")
    expect((await failure(sender.sendMessages({ body: "second" }))).code).toBe("MessagingEntityNotFound")
    await admin().createQueue("doomed")
    expect((await admin().getQueueRuntimeProperties("doomed")).totalMessageCount).toBe(0)
  })

  it("answers plain HTTP on the AMQP port, which SDKs honouring UseDevelopmentEmulator send", async () => {
    const plain = adminClient(bus.emulator.connectionString)
    expect((await plain.getQueue("configured")).maxDeliveryCount).toBe(4)
    await plain.createQueue("over-plain-http")
    expect(await admin().queueExists("over-plain-http")).toBe(true)
  })

  it("answers on the HTTP port too, as the official emulator does on 5300", async () => {
    const httpPort = bus.emulator.httpPort as number
    const viaHttpPort = adminClient(bus.emulator.connectionString.replace(/:\d+;/, `:${httpPort};`))
    expect((await viaHttpPort.getQueue("configured")).maxDeliveryCount).toBe(4)
    const namespace = await viaHttpPort.getNamespaceProperties()
    expect(namespace).toMatchObject({ name: "sbemulatorns", messagingSku: "Standard" })
  })
})

const hostOf = (connectionString: string): string => /Endpoint=sb:\/\/([^;/]+)/.exec(connectionString)?.[1] ?? ""
