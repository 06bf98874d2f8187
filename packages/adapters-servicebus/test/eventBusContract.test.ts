import { ServiceBusClient } from "@azure/service-bus"
import { startEmulator } from "@haymaker/servicebus-emulator"
import { EventBusProbe, eventBusContract, ProbeError } from "@haymaker/testing"
import { Effect, Layer } from "effect"
import Long from "long"
import { connectionString, ServiceBusEventPublisher, ServiceBusEventSubscription } from "../src/index.ts"
import { busConfig } from "./support/testBus.ts"

const maxDeliveryCount = 3

// Each contract test gets its own emulator holding a topic named after the test, so tests never share messages.
eventBusContract("Service Bus adapters on the emulator", {
  maxDeliveryCount,
  makeLayer: ({ uniqueName }) =>
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
        const sdk = yield* Effect.acquireRelease(
          Effect.sync(() => new ServiceBusClient(emulator.connectionString)),
          (client) => Effect.promise(() => client.close()),
        )
        const deadLetterReceiver = sdk.createReceiver(uniqueName, "orchestrator-sub", {
          subQueueType: "deadLetter",
          skipParsingBodyAsJson: true,
        })
        const probe = Layer.succeed(EventBusProbe)({
          deadLetters: Effect.tryPromise({
            try: async () => {
              const peeked = await deadLetterReceiver.peekMessages(100, { fromSequenceNumber: Long.ZERO })
              return peeked.map((message) => ({
                messageId: String(message.messageId ?? ""),
                body: message.body,
                reason: message.deadLetterReason,
                description: message.deadLetterErrorDescription,
              }))
            },
            catch: (cause) => new ProbeError({ message: "Peeking the dead-letter queue failed", cause }),
          }),
        })
        return Layer.mergeAll(
          ServiceBusEventPublisher.layer({ connection, topicName: uniqueName }),
          ServiceBusEventSubscription.layer({
            connection,
            topicName: uniqueName,
            subscriptionName: "orchestrator-sub",
            watchdog: false,
            closeGraceMs: 1_000,
          }),
          probe,
        )
      }),
    ),
})
