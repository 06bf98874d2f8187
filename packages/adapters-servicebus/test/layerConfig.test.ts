import { decodeAgentEvent, EventPublisher, EventSubscription, encodeAgentEvent } from "@haymaker/domain"
import { ConfigProvider, Effect, Exit, Layer, Redacted, Result, Stream } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectionConfig, ServiceBusEventPublisher, ServiceBusEventSubscription } from "../src/index.ts"
import { bodyJson, drain, resourceCreated, startTestBus, type TestBus } from "./support/testBus.ts"

const fromEnv = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromEnv({ env }))

const readConnection = (env: Record<string, string>) =>
  Effect.runPromiseExit(connectionConfig.pipe(Effect.provide(fromEnv(env))))

describe("layerConfig (HAYMAKER_SERVICEBUS_* variables)", () => {
  let bus: TestBus
  beforeAll(async () => {
    bus = await startTestBus([
      { name: "configured", subscriptions: [{ name: "orchestrator-sub" }, { name: "configured-sub" }] },
    ])
  })
  afterAll(() => bus.close())

  it("reads the connection string, as a redacted value, before the namespace", async () => {
    const exit = await readConnection({
      HAYMAKER_SERVICEBUS_CONNECTION_STRING: "Endpoint=sb://x/;SharedAccessKeyName=k;SharedAccessKey=topsecret",
      HAYMAKER_SERVICEBUS_NAMESPACE: "x.servicebus.windows.net",
    })
    expect(Exit.isSuccess(exit)).toBe(true)
    const connection = Exit.isSuccess(exit) ? exit.value : undefined
    expect(connection?._tag).toBe("ConnectionString")
    if (connection?._tag === "ConnectionString") {
      expect(Redacted.value(connection.connectionString)).toContain("topsecret")
      expect(String(connection.connectionString)).not.toContain("topsecret")
    }
  })

  it("falls back to HAYMAKER_SERVICEBUS_NAMESPACE, and ignores the unprefixed names", async () => {
    const exit = await readConnection({ HAYMAKER_SERVICEBUS_NAMESPACE: "haymaker.servicebus.windows.net" })
    expect(Exit.isSuccess(exit) ? exit.value : undefined).toEqual({
      _tag: "Namespace",
      fullyQualifiedNamespace: "haymaker.servicebus.windows.net",
    })
    const unprefixed = await readConnection({
      SERVICEBUS_CONNECTION_STRING: bus.connectionString,
      SERVICEBUS_FULLY_QUALIFIED_NAMESPACE: "haymaker.servicebus.windows.net",
    })
    expect(Exit.isFailure(unprefixed)).toBe(true)
  })

  it("publishes and consumes through the topic and subscription the variables name", async () => {
    const decoded = decodeAgentEvent(resourceCreated("configured-vm"))
    if (Result.isFailure(decoded)) throw new Error("the fixture event must decode")
    const wire = encodeAgentEvent(decoded.success)
    const env = fromEnv({
      HAYMAKER_SERVICEBUS_CONNECTION_STRING: bus.connectionString,
      HAYMAKER_SERVICEBUS_TOPIC: "configured",
      HAYMAKER_SERVICEBUS_SUBSCRIPTION: "configured-sub",
      HAYMAKER_SERVICEBUS_BATCH_SIZE: "10",
      HAYMAKER_SERVICEBUS_CONCURRENCY: "2",
    })
    const bodies = await Effect.gen(function* () {
      const publisher = yield* EventPublisher
      yield* publisher.publish(decoded.success)
      const { messages } = yield* EventSubscription
      return yield* messages.pipe(
        Stream.take(1),
        Stream.mapEffect((message) => Effect.as(message.complete, message.body)),
        Stream.runCollect,
      )
    }).pipe(
      Effect.provide(
        Layer.mergeAll(ServiceBusEventPublisher.layerConfig, ServiceBusEventSubscription.layerConfig).pipe(
          Layer.provide(env),
        ),
      ),
      Effect.runPromise,
    )
    expect(bodies.map((body) => JSON.parse(Buffer.from(body as Uint8Array).toString("utf8")))).toEqual([wire])
    // The other subscription of the topic got its own copy: the publisher used HAYMAKER_SERVICEBUS_TOPIC.
    const copy = await drain(bus.connectionString, "configured", "orchestrator-sub", 1)
    expect(copy.map(bodyJson)).toEqual([wire])
  })
})
