import type { ServiceBusReceivedMessage, ServiceBusReceiver, ServiceBusSender } from "@azure/service-bus"
import { type DeadLetter, DeadLetterQueue, type DeadLetterQueueError, layerFromConfig } from "@haymaker/domain"
import type { Config } from "effect"
import { DateTime, Effect, Layer, type Scope } from "effect"
import Long from "long"
import { bigintOfLong } from "./MessageEncoding.ts"
import { renderMessageId } from "./MessageId.ts"
import { toDeadLetterQueueError } from "./PortErrors.ts"
import { closeQuietly, scopedReceiver } from "./SdkReceivers.ts"
import type { ServiceBusConfigInvalid, SubscriptionTarget } from "./ServiceBusConnection.ts"
import { openSubscription, subscriptionEnvConfig, subscriptionPath } from "./ServiceBusConnection.ts"
import { fromSdkError } from "./ServiceBusErrors.ts"

/** The subscription whose dead-letter queue it is. */
export type DeadLetterQueueOptions = SubscriptionTarget

/** A message as AMQP has it, with the body section of its choice: how a resubmitted message is sent. */
type AmqpMessage = ServiceBusReceivedMessage["_rawAmqpMessage"]

const peekPage = 250
const receiveBatch = 100
const purgeBatch = 250
const receiveWaitMs = 1_000

/** What Service Bus adds to a message it dead-letters; a resubmitted message leaves them behind. */
const deadLetterMarks = new Set(["DeadLetterReason", "DeadLetterErrorDescription"])

const toDeadLetter = (message: ServiceBusReceivedMessage): DeadLetter => ({
  messageId: renderMessageId(message.messageId),
  sequenceNumber: message.sequenceNumber === undefined ? 0n : bigintOfLong(message.sequenceNumber),
  body: message.body,
  bodyType: message._rawAmqpMessage?.bodyType,
  reason: message.deadLetterReason,
  description: message.deadLetterErrorDescription,
  deliveryCount: message.deliveryCount ?? 0,
  enqueuedTime: DateTime.fromDateUnsafe(message.enqueuedTimeUtc ?? new Date(0)),
})

/** Up to `max` messages of the queue, oldest first, peeked page by page. */
const peekUpTo = async (receiver: ServiceBusReceiver, max: number): Promise<Array<ServiceBusReceivedMessage>> => {
  const found: Array<ServiceBusReceivedMessage> = []
  // Always from an explicit sequence number: without one the SDK goes on from where the last peek on this entity
  // ended (its management link, shared by every receiver of the client, remembers), so a second peek saw nothing.
  let fromSequenceNumber = Long.ZERO
  while (found.length < max) {
    const page = await receiver.peekMessages(Math.min(peekPage, max - found.length), { fromSequenceNumber })
    found.push(...page)
    const last = page[page.length - 1]?.sequenceNumber
    if (page.length === 0 || last === undefined) break
    fromSequenceNumber = Long.fromValue(last).add(1)
  }
  return found
}

/**
 * The original message again: the same body in the same AMQP section (data bytes as they were, a value, a sequence),
 * the same properties (message id, content type, subject, correlation and session ids, reply-to, …) and application
 * properties, without the dead-letter marks.
 */
const resubmission = (message: ServiceBusReceivedMessage): AmqpMessage => {
  const raw = message._rawAmqpMessage
  const applicationProperties = Object.fromEntries(
    Object.entries(message.applicationProperties ?? {}).filter(([name]) => !deadLetterMarks.has(name)),
  )
  return {
    body: message.body,
    bodyType: raw.bodyType ?? "data",
    ...(raw.properties === undefined ? {} : { properties: raw.properties }),
    applicationProperties,
  }
}

/** Sends messages in as few batches as the topic's size limit allows. */
const sendAll = async (sender: ServiceBusSender, messages: ReadonlyArray<AmqpMessage>): Promise<void> => {
  let batch = await sender.createMessageBatch()
  for (const message of messages) {
    if (batch.tryAddMessage(message)) continue
    if (batch.count > 0) await sender.sendMessages(batch)
    batch = await sender.createMessageBatch()
    // A message too large for a batch of its own goes alone, so the broker says why it is refused.
    if (!batch.tryAddMessage(message)) await sender.sendMessages(message)
  }
  if (batch.count > 0) await sender.sendMessages(batch)
}

/** One pass over what the queue holds now (`pending`, by sequence number): send each back, then remove it. */
const resubmitPending = async (
  receiver: ServiceBusReceiver,
  sender: ServiceBusSender,
  pending: Set<string>,
): Promise<number> => {
  let moved = 0
  while (pending.size > 0) {
    const batch = await receiver.receiveMessages(Math.min(receiveBatch, pending.size), {
      maxWaitTimeInMs: receiveWaitMs,
    })
    if (batch.length === 0) break
    const ours = batch.filter((message) => pending.has(message.sequenceNumber?.toString() ?? ""))
    // Newer arrivals come after every message of the snapshot: hand them back, and stop once only they are left.
    const newer = batch.filter((message) => !ours.includes(message))
    await Promise.all(newer.map((message) => receiver.abandonMessage(message)))
    if (ours.length === 0) break
    await sendAll(sender, ours.map(resubmission))
    for (const message of ours) {
      await receiver.completeMessage(message)
      pending.delete(message.sequenceNumber?.toString() ?? "")
      moved++
    }
  }
  return moved
}

/**
 * `DeadLetterQueue` over `<topic>/Subscriptions/<subscription>/$DeadLetterQueue`: peeks without locking, resubmits
 * to the topic what the queue held when it started (sent, then completed: a crash in between leaves a duplicate,
 * never a loss), purges in receive-and-delete mode. The connection closes with the scope.
 */
export const make = Effect.fnUntraced(function* (
  options: DeadLetterQueueOptions,
): Effect.fn.Return<DeadLetterQueue["Service"], ServiceBusConfigInvalid, Scope.Scope> {
  const { topicName, subscriptionName } = options
  const { client, host } = yield* openSubscription(options)
  const entityPath = `${subscriptionPath(topicName, subscriptionName)}/$DeadLetterQueue`

  /** Runs `use` on a receiver of the queue of its own (closed with the scope); failures in the port's terms. */
  const onQueue = <A>(
    operation: string,
    receiveMode: "peekLock" | "receiveAndDelete",
    use: (receiver: ServiceBusReceiver) => Promise<A>,
  ): Effect.Effect<A, DeadLetterQueueError, Scope.Scope> =>
    Effect.flatMap(
      scopedReceiver(client, topicName, subscriptionName, {
        subQueueType: "deadLetter",
        receiveMode,
        skipParsingBodyAsJson: true,
      }),
      (receiver) =>
        Effect.tryPromise({
          try: () => use(receiver),
          catch: (cause) => toDeadLetterQueueError(fromSdkError(cause, { host, entityPath, operation })),
        }),
    )

  const peek = Effect.fn("DeadLetterQueue.peek")(function* (max: number) {
    return yield* onQueue("peek", "peekLock", async (receiver) => (await peekUpTo(receiver, max)).map(toDeadLetter))
  }, Effect.scoped)

  const resubmit = Effect.fn("DeadLetterQueue.resubmit")(function* (max: number) {
    const sender = yield* Effect.acquireRelease(
      Effect.sync(() => client.createSender(topicName)),
      closeQuietly,
    )
    return yield* onQueue("resubmit from", "peekLock", async (receiver) => {
      const held = await peekUpTo(receiver, max)
      return resubmitPending(receiver, sender, new Set(held.map((message) => message.sequenceNumber?.toString() ?? "")))
    })
  }, Effect.scoped)

  const purge = Effect.fn("DeadLetterQueue.purge")(function* (max: number) {
    return yield* onQueue("purge", "receiveAndDelete", async (receiver) => {
      let purged = 0
      while (purged < max) {
        const batch = await receiver.receiveMessages(Math.min(purgeBatch, max - purged), {
          maxWaitTimeInMs: receiveWaitMs,
        })
        if (batch.length === 0) break
        purged += batch.length
      }
      return purged
    })
  }, Effect.scoped)

  return DeadLetterQueue.of({ description: `${entityPath} at ${host}`, peek, resubmit, purge })
})

/** The dead-letter queue as a layer; the connection closes when the layer is released. */
export const layer = (options: DeadLetterQueueOptions): Layer.Layer<DeadLetterQueue, ServiceBusConfigInvalid> =>
  Layer.effect(DeadLetterQueue, make(options))

/** {@link layer}, its options read from configuration (a `Config` per field, or one for them all). */
export const layerConfig: (
  config: Config.Wrap<DeadLetterQueueOptions>,
) => Layer.Layer<DeadLetterQueue, Config.ConfigError | ServiceBusConfigInvalid> = layerFromConfig(layer)

/**
 * The options from the environment: the connection (`HAYMAKER_SERVICEBUS_CONNECTION_STRING`, or
 * `HAYMAKER_SERVICEBUS_NAMESPACE`), `HAYMAKER_SERVICEBUS_TOPIC` (default `agent-logs`) and
 * `HAYMAKER_SERVICEBUS_SUBSCRIPTION` (default `orchestrator-sub`).
 */
export const envConfig = subscriptionEnvConfig satisfies Config.Wrap<DeadLetterQueueOptions>
