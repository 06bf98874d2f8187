import type { ServiceBusReceivedMessage } from "@azure/service-bus"
import type { EventSubscription } from "@haymaker/domain"
import { Context, Effect, Layer } from "effect"
import {
  connectionString,
  EventBusClient,
  type ServiceBusConnection,
  ServiceBusEventSubscription,
  type WireEvent,
} from "../../src/index.ts"
import { drain, startTestBus, type TestTopic } from "./testBus.ts"

/** The emulator of one test (or suite), on an ephemeral port of 127.0.0.1. */
export class Emulator extends Context.Service<
  Emulator,
  { readonly connectionString: string; readonly connection: ServiceBusConnection }
>()("adapters-servicebus/test/Emulator") {
  static readonly layer = (topics: ReadonlyArray<TestTopic>): Layer.Layer<Emulator> =>
    Layer.effect(
      Emulator,
      Effect.acquireRelease(
        Effect.promise(() => startTestBus(topics)),
        (bus) => Effect.promise(() => bus.close()),
      ).pipe(
        Effect.map((bus) => ({
          connectionString: bus.connectionString,
          connection: connectionString(bus.connectionString),
        })),
      ),
    )
}

/** Publishes events to a topic with the Promise API, as an agent would. */
export const publishWire = (topicName: string, events: ReadonlyArray<WireEvent>) =>
  Effect.flatMap(Emulator, (emulator) =>
    Effect.promise(async () => {
      const client = new EventBusClient({ connectionString: emulator.connectionString, topicName })
      await client.publishAll(events)
      await client.close()
    }),
  )

/** Receives (and completes) with the raw SDK what is left in a subscription; see `drain`. */
export const drainLeft = (
  topicName: string,
  count: number,
  options: Parameters<typeof drain>[4] = {},
): Effect.Effect<Array<ServiceBusReceivedMessage>, never, Emulator> =>
  Effect.flatMap(Emulator, (emulator) =>
    Effect.promise(() => drain(emulator.connectionString, topicName, "orchestrator-sub", count, options)),
  )

/** The subscription adapter on the emulator's `orchestrator-sub` of `topicName`, the watchdog off. */
export const subscriptionOn = (
  topicName: string,
  options: Omit<ServiceBusEventSubscription.SubscriptionOptions, "connection" | "topicName" | "subscriptionName"> = {},
): Layer.Layer<EventSubscription, never, Emulator> =>
  Layer.unwrap(
    Effect.map(Emulator, (emulator) =>
      ServiceBusEventSubscription.layer({
        connection: emulator.connection,
        topicName,
        subscriptionName: "orchestrator-sub",
        watchdog: false,
        ...options,
      }).pipe(Layer.orDie),
    ),
  )
