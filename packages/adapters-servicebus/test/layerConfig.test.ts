import { assert, describe, it } from "@effect/vitest"
import { decodeAgentEvent, EventPublisher, EventSubscription, encodeAgentEvent } from "@haymaker/domain"
import { Config, ConfigProvider, Effect, Layer, Redacted, Result, Stream } from "effect"
import { connectionConfig, ServiceBusEventPublisher, ServiceBusEventSubscription } from "../src/index.ts"
import { drainLeft, Emulator } from "./support/Emulator.ts"
import { jsonOfBytes, resourceCreated } from "./support/testBus.ts"

const fromEnv = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromEnv({ env }))

describe("configuration (HAYMAKER_SERVICEBUS_* variables)", () => {
  it.effect("reads the connection string, as a redacted value, before the namespace", () =>
    Effect.gen(function* () {
      const connection = yield* connectionConfig
      assert.strictEqual(connection._tag, "ConnectionString")
      if (connection._tag !== "ConnectionString") return
      assert.include(Redacted.value(connection.connectionString), "topsecret")
      assert.notInclude(String(connection.connectionString), "topsecret")
    }).pipe(
      Effect.provide(
        fromEnv({
          HAYMAKER_SERVICEBUS_CONNECTION_STRING: "Endpoint=sb://x/;SharedAccessKeyName=k;SharedAccessKey=topsecret",
          HAYMAKER_SERVICEBUS_NAMESPACE: "x.servicebus.windows.net",
        }),
      ),
    ),
  )

  it.effect("falls back to HAYMAKER_SERVICEBUS_NAMESPACE, and ignores the unprefixed names", () =>
    Effect.gen(function* () {
      const namespace = yield* connectionConfig.pipe(
        Effect.provide(fromEnv({ HAYMAKER_SERVICEBUS_NAMESPACE: "haymaker.servicebus.windows.net" })),
      )
      assert.deepStrictEqual(namespace, {
        _tag: "Namespace",
        fullyQualifiedNamespace: "haymaker.servicebus.windows.net",
      })
      const unprefixed = yield* Effect.flip(connectionConfig).pipe(
        Effect.provide(
          fromEnv({
            SERVICEBUS_CONNECTION_STRING: "Endpoint=sb://x/;SharedAccessKeyName=k;SharedAccessKey=k",
            SERVICEBUS_FULLY_QUALIFIED_NAMESPACE: "haymaker.servicebus.windows.net",
          }),
        ),
      )
      assert.strictEqual(unprefixed._tag, "ConfigError")
    }),
  )

  it.live("publishes and consumes through the topic and subscription the variables name", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator
      const decoded = decodeAgentEvent(resourceCreated("configured-vm"))
      if (Result.isFailure(decoded)) return assert.fail("the fixture event must decode")
      const wire = encodeAgentEvent(decoded.success)
      const configured = Layer.mergeAll(
        ServiceBusEventPublisher.layerConfig(ServiceBusEventPublisher.envConfig),
        // A field may come from a Config of its own, a duration as a Duration.
        ServiceBusEventSubscription.layerConfig({
          ...ServiceBusEventSubscription.envConfig,
          closeGrace: Config.Duration("HAYMAKER_SERVICEBUS_CLOSE_GRACE"),
        }),
      ).pipe(
        Layer.provide(
          fromEnv({
            HAYMAKER_SERVICEBUS_CONNECTION_STRING: emulator.connectionString,
            HAYMAKER_SERVICEBUS_TOPIC: "configured",
            HAYMAKER_SERVICEBUS_SUBSCRIPTION: "configured-sub",
            HAYMAKER_SERVICEBUS_BATCH_SIZE: "10",
            HAYMAKER_SERVICEBUS_CONCURRENCY: "2",
            HAYMAKER_SERVICEBUS_CLOSE_GRACE: "1 second",
          }),
        ),
      )
      const bodies = yield* Effect.gen(function* () {
        yield* (yield* EventPublisher).publish(decoded.success)
        const { messages } = yield* EventSubscription
        return yield* messages.pipe(
          Stream.take(1),
          Stream.mapEffect((message) => Effect.as(message.complete, message.body)),
          Stream.runCollect,
        )
      }).pipe(Effect.provide(configured))
      assert.deepStrictEqual(bodies.map(jsonOfBytes), [wire])
      // The other subscription of the topic got its own copy: the publisher used HAYMAKER_SERVICEBUS_TOPIC.
      const copy = yield* drainLeft("configured", 1)
      assert.deepStrictEqual(
        copy.map((message) => jsonOfBytes(message.body)),
        [wire],
      )
    }).pipe(
      Effect.provide(
        Emulator.layer([
          { name: "configured", subscriptions: [{ name: "orchestrator-sub" }, { name: "configured-sub" }] },
        ]),
      ),
    ),
  )

  it.effect("fails to build with a ConfigError naming a variable to set when no connection is configured", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Layer.build(ServiceBusEventSubscription.layerConfig(ServiceBusEventSubscription.envConfig)).pipe(Effect.scoped),
      )
      assert.strictEqual(error._tag, "ConfigError")
      // Effect reports the last alternative it tried: the namespace.
      assert.include(error.message, "HAYMAKER_SERVICEBUS_NAMESPACE")
    }).pipe(Effect.provide(fromEnv({}))),
  )
})
