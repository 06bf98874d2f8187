import type {
  ServiceBusClient,
  ServiceBusMessageBatch,
  ServiceBusReceivedMessage,
  ServiceBusReceiver,
  ServiceBusSender,
} from "@azure/service-bus"
import { renderMessageId } from "@haymaker/adapters-servicebus"
import { Effect } from "effect"
import Long from "long"

/** A dead-lettered message as an operator needs to see it. */
export interface DeadLetter {
  readonly messageId: string
  readonly sequenceNumber: string
  readonly reason: string
  readonly description: string
  readonly deliveryCount: number
  readonly enqueuedTime: string
  /** The first characters of the body, decoded as text when it is bytes. */
  readonly bodyPreview: string
}

const PREVIEW = 120

/**
 * The body as text, for a preview: bytes decoded as UTF-8 (only as many as the preview shows), an AMQP value or
 * sequence as JSON when JSON can write it. Dead letters are often poison: nothing here may throw (a body nested
 * thousands of levels deep overflows JSON.stringify).
 */
const bodyText = (body: unknown): string => {
  if (typeof body === "string") return body
  if (body instanceof Uint8Array) return Buffer.from(body.subarray(0, PREVIEW * 4)).toString("utf8")
  try {
    return JSON.stringify(body) ?? String(body)
  } catch (error) {
    return `(${error instanceof Error ? error.message : "unprintable"})`
  }
}

const describe = (message: ServiceBusReceivedMessage): DeadLetter => {
  const text = bodyText(message.body)
  return {
    messageId: renderMessageId(message.messageId),
    sequenceNumber: message.sequenceNumber?.toString() ?? "",
    reason: message.deadLetterReason ?? "",
    description: message.deadLetterErrorDescription ?? "",
    deliveryCount: message.deliveryCount ?? 0,
    enqueuedTime: message.enqueuedTimeUtc?.toISOString() ?? "",
    bodyPreview: text.length > PREVIEW ? `${text.slice(0, PREVIEW)}…` : text,
  }
}

const withReceiver = <A>(
  client: ServiceBusClient,
  topic: string,
  subscription: string,
  mode: "peekLock" | "receiveAndDelete",
  use: (receiver: ReturnType<ServiceBusClient["createReceiver"]>) => Promise<A>,
): Effect.Effect<A, Error> =>
  Effect.acquireUseRelease(
    // Bodies stay as the broker holds them: the bytes of a data section are resubmitted unchanged and never parsed
    // (a poison body is what a dead-letter queue is for).
    Effect.sync(() =>
      client.createReceiver(topic, subscription, {
        subQueueType: "deadLetter",
        receiveMode: mode,
        skipParsingBodyAsJson: true,
      }),
    ),
    (receiver) => Effect.tryPromise({ try: () => use(receiver), catch: (cause) => cause as Error }),
    (receiver) => Effect.promise(() => receiver.close()),
  )

/** Reads up to `max` dead-lettered messages without locking or removing them. */
export const peekDeadLetters = (client: ServiceBusClient, topic: string, subscription: string, max = 1_000) =>
  withReceiver(client, topic, subscription, "peekLock", async (receiver) => {
    const found: Array<DeadLetter> = []
    // Always from an explicit sequence number: without one the SDK goes on from where the last peek on this entity
    // ended (its management link, shared by every receiver of the client, remembers), so a second peek saw nothing.
    let fromSequenceNumber = Long.ZERO
    while (found.length < max) {
      const page = await receiver.peekMessages(Math.min(250, max - found.length), { fromSequenceNumber })
      if (page.length === 0) break
      found.push(...page.map(describe))
      const last = page[page.length - 1]?.sequenceNumber
      if (last === undefined) break
      fromSequenceNumber = last.add(1)
    }
    return found
  })

/** A message as the SDK sends it: a `ServiceBusMessage`, or an AMQP message with a body section of its choice. */
type Outgoing = Parameters<ServiceBusMessageBatch["tryAddMessage"]>[0]

/** Where Service Bus keeps the dead-letter marks among the application properties. */
const deadLetterMarks = new Set(["DeadLetterReason", "DeadLetterErrorDescription"])

/**
 * The original message again: the same body in the same AMQP section (data bytes as they were, a value, a sequence),
 * the same properties (message id, content type, subject, correlation id, …) and application properties, without
 * the dead-letter marks.
 */
const resubmission = (message: ServiceBusReceivedMessage): Outgoing => {
  const raw = message._rawAmqpMessage
  const applicationProperties = Object.fromEntries(
    Object.entries(message.applicationProperties ?? {}).filter(([name]) => !deadLetterMarks.has(name)),
  )
  return {
    body: message.body,
    bodyType: raw.bodyType ?? "data",
    ...(raw.properties === undefined ? {} : { properties: raw.properties }),
    applicationProperties,
  } as Outgoing
}

/** The sequence numbers of the dead-lettered messages there are now (at most `max`), read without locking them. */
const snapshot = async (receiver: ServiceBusReceiver, max: number): Promise<Set<string>> => {
  const seen = new Set<string>()
  let fromSequenceNumber = Long.ZERO
  while (seen.size < max) {
    const page = await receiver.peekMessages(Math.min(250, max - seen.size), { fromSequenceNumber })
    for (const message of page) if (message.sequenceNumber !== undefined) seen.add(message.sequenceNumber.toString())
    const last = page[page.length - 1]?.sequenceNumber
    if (page.length === 0 || last === undefined) break
    fromSequenceNumber = last.add(1)
  }
  return seen
}

/** Sends messages in as few batches as the topic's size limit allows. */
const sendAll = async (sender: ServiceBusSender, messages: ReadonlyArray<Outgoing>): Promise<void> => {
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

/**
 * Moves the messages that are dead-lettered when it starts back to the topic (at most `max`): each is sent again (same
 * body, properties and message id), then completed in the dead-letter queue, so a crash in between leaves a
 * duplicate, never a loss. Messages dead-lettered while it runs (a running worker may dead-letter again what was just
 * resubmitted) are left where they are, so it always ends, after one pass.
 */
export const resubmitDeadLetters = (client: ServiceBusClient, topic: string, subscription: string, max = 1_000) =>
  withReceiver(client, topic, subscription, "peekLock", async (receiver) => {
    const pending = await snapshot(receiver, max)
    const sender = client.createSender(topic)
    let moved = 0
    try {
      while (pending.size > 0) {
        const batch = await receiver.receiveMessages(Math.min(100, pending.size), { maxWaitTimeInMs: 1_000 })
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
    } finally {
      await sender.close()
    }
    return moved
  })

/** Deletes dead-lettered messages for good. */
export const purgeDeadLetters = (client: ServiceBusClient, topic: string, subscription: string, max = 100_000) =>
  withReceiver(client, topic, subscription, "receiveAndDelete", async (receiver) => {
    let purged = 0
    while (purged < max) {
      const batch = await receiver.receiveMessages(Math.min(250, max - purged), { maxWaitTimeInMs: 1_000 })
      if (batch.length === 0) break
      purged += batch.length
    }
    return purged
  })
