import { startEmulator } from "@haymaker/servicebus-emulator"
import type { ContractContext } from "@haymaker/testing"
import { Effect, Layer } from "effect"
import {
  connectionString,
  ServiceBusDeadLetterQueue,
  ServiceBusEventPublisher,
  ServiceBusEventSubscription,
} from "../../src/index.ts"
import { busConfig } from "./testBus.ts"

/**
 * The contract's layer for the Service Bus adapters: an emulator of the test's own holding a topic named after the
 * test, and the publisher, the subscription and its dead-letter queue on it.
 */
export const serviceBusContractLayer =
  (maxDeliveryCount: number) =>
  ({ uniqueName }: ContractContext) =>
    Layer.unwrap(
      Effect.gen(function* () {
        const emulator = yield* Effect.acquireRelease(
          Effect.promise(() =>
            startEmulator({
              config: busConfig([
                {
                  name: uniqueName,
                  subscriptions: [{ name: "orchestrator-sub", lockDuration: "PT5S", maxDeliveryCount }],
                },
              ]),
              port: 0,
            }),
          ),
          (running) => Effect.promise(() => running.close()),
        )
        const connection = connectionString(emulator.connectionString)
        const entities = { connection, topicName: uniqueName, subscriptionName: "orchestrator-sub" }
        return Layer.mergeAll(
          ServiceBusEventPublisher.layer({ connection, topicName: uniqueName }),
          ServiceBusEventSubscription.layer({ ...entities, watchdog: false, closeGrace: "1 second" }),
          ServiceBusDeadLetterQueue.layer(entities),
        )
      }),
    )
