import { ServiceBusClient, type ServiceBusReceivedMessage } from "@azure/service-bus"
import { startEmulator } from "@haymaker/servicebus-emulator"
import { type ContractContext, EventBusProbe, type ProbedDeadLetter, ProbeError } from "@haymaker/testing"
import { Effect, Layer } from "effect"
import Long from "long"
import { connectionString, ServiceBusEventPublisher, ServiceBusEventSubscription } from "../../src/index.ts"
import { busConfig } from "./testBus.ts"

const peekPage = 250

/** Every message of a dead-letter queue, peeked page by page. */
const peekAll = async (
  receiver: ReturnType<ServiceBusClient["createReceiver"]>,
): Promise<Array<ServiceBusReceivedMessage>> => {
  const all: Array<ServiceBusReceivedMessage> = []
  let from = Long.ZERO
  for (;;) {
    const page = await receiver.peekMessages(peekPage, { fromSequenceNumber: from })
    all.push(...page)
    const last = page[page.length - 1]?.sequenceNumber
    if (page.length < peekPage || last === undefined) return all
    from = Long.fromValue(last).add(1)
  }
}

const toProbed = (message: ServiceBusReceivedMessage): ProbedDeadLetter => ({
  messageId: String(message.messageId ?? ""),
  body: message.body,
  reason: message.deadLetterReason,
  description: message.deadLetterErrorDescription,
  deliveryCount: message.deliveryCount ?? 0,
})

/**
 * The contract's layer for the Service Bus adapters: an emulator of the test's own holding a topic named after the
 * test, the publisher and subscription on it, and a probe that peeks its dead-letter queue with the SDK.
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
            try: async () => (await peekAll(deadLetterReceiver)).map(toProbed),
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
            closeGrace: "1 second",
          }),
          probe,
        )
      }),
    )
