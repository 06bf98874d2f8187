import type {
  ServiceBusClient,
  ServiceBusReceivedMessage,
  ServiceBusReceiver,
  ServiceBusReceiverOptions,
} from "@azure/service-bus"
import { Effect, type Scope } from "effect"
import Long from "long"
import { type FailureContext, fromSdkError, type ServiceBusAdapterError } from "./ServiceBusErrors.ts"

/** Closes an SDK link (receiver, sender, subscription); a failing close is ignored, the client's close follows. */
export const closeQuietly = (link: { close(): Promise<void> }): Effect.Effect<void> =>
  Effect.promise(() => link.close().catch(() => undefined))

/** A receiver on a topic subscription, closed with the scope. Its link opens with its first operation. */
export const scopedReceiver = (
  client: ServiceBusClient,
  topicName: string,
  subscriptionName: string,
  options?: ServiceBusReceiverOptions,
): Effect.Effect<ServiceBusReceiver, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => client.createReceiver(topicName, subscriptionName, options)),
    closeQuietly,
  )

/**
 * Peeks the first message of the receiver's entity (locking nothing): proves that the namespace answers, takes the
 * credential and has the entity, with a typed error instead of the SDK's streaming receiver retrying in the
 * background.
 */
export const peekFirst = (
  receiver: ServiceBusReceiver,
  context: FailureContext,
): Effect.Effect<ReadonlyArray<ServiceBusReceivedMessage>, ServiceBusAdapterError> =>
  Effect.tryPromise({
    try: () => receiver.peekMessages(1, { fromSequenceNumber: Long.ZERO }),
    catch: (cause) => fromSdkError(cause, context),
  })
