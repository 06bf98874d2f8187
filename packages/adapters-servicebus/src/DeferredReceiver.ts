import type { ServiceBusClient } from "@azure/service-bus"
import type { ReceivedMessage } from "@haymaker/domain"
import { Effect, type Scope } from "effect"
import Long from "long"
import { makeReceiverShared, PeekLockedMessage } from "./PeekLockedMessage.ts"
import { scopedReceiver } from "./SdkReceivers.ts"
import { subscriptionPath } from "./ServiceBusConnection.ts"
import { fromSdkError, type ServiceBusAdapterError } from "./ServiceBusErrors.ts"

/** Receives deferred messages by sequence number. */
export type ReceiveDeferred = (
  sequenceNumbers: ReadonlyArray<bigint>,
) => Effect.Effect<ReadonlyArray<ReceivedMessage>, ServiceBusAdapterError>

const noSlot = () => {}

/**
 * Receives deferred messages by sequence number on one receiver (its link opens on the first call), closed with the
 * scope. The messages it returns are settled through the management link, behind a gate of their own; they hold no
 * SDK call, so there is no slot to free and no give-up time.
 */
export const makeDeferredReceiver = Effect.fnUntraced(function* (
  client: ServiceBusClient,
  topicName: string,
  subscriptionName: string,
  host: string,
): Effect.fn.Return<ReceiveDeferred, never, Scope.Scope> {
  const receiver = yield* scopedReceiver(client, topicName, subscriptionName, {
    receiveMode: "peekLock",
    skipParsingBodyAsJson: true,
  })
  const shared = yield* makeReceiverShared(subscriptionPath(topicName, subscriptionName), host)
  return (sequenceNumbers) =>
    Effect.tryPromise({
      try: () => receiver.receiveDeferredMessages(sequenceNumbers.map((n) => Long.fromString(n.toString()))),
      catch: (cause) => fromSdkError(cause, shared.failureContext("receive deferred messages from")),
    }).pipe(
      Effect.map((messages) =>
        messages.map((message) => new PeekLockedMessage(shared, receiver, message, Number.POSITIVE_INFINITY, noSlot)),
      ),
    )
})
