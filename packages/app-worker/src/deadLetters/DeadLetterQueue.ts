import type { ServiceBusClient, ServiceBusMessage, ServiceBusReceivedMessage } from "@azure/service-bus"
import { renderMessageId } from "@haymaker/adapters-servicebus"
import { Effect } from "effect"

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

const bodyText = (body: unknown): string => {
  if (typeof body === "string") return body
  if (body instanceof Uint8Array) return Buffer.from(body).toString("utf8")
  return JSON.stringify(body) ?? String(body)
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
    Effect.sync(() => client.createReceiver(topic, subscription, { subQueueType: "deadLetter", receiveMode: mode })),
    (receiver) => Effect.tryPromise({ try: () => use(receiver), catch: (cause) => cause as Error }),
    (receiver) => Effect.promise(() => receiver.close()),
  )

/** Reads up to `max` dead-lettered messages without locking or removing them. */
export const peekDeadLetters = (client: ServiceBusClient, topic: string, subscription: string, max = 1_000) =>
  withReceiver(client, topic, subscription, "peekLock", async (receiver) => {
    const found: Array<DeadLetter> = []
    let fromSequenceNumber: ServiceBusReceivedMessage["sequenceNumber"]
    while (found.length < max) {
      const page = await receiver.peekMessages(Math.min(250, max - found.length), {
        ...(fromSequenceNumber === undefined ? {} : { fromSequenceNumber }),
      })
      if (page.length === 0) break
      found.push(...page.map(describe))
      const last = page[page.length - 1]?.sequenceNumber
      if (last === undefined) break
      fromSequenceNumber = last.add(1)
    }
    return found
  })

/** The original message again: body, content type, subject, ids and application properties; no dead-letter marks. */
const resubmission = (message: ServiceBusReceivedMessage): ServiceBusMessage => {
  const resent: ServiceBusMessage = { body: message.body }
  if (message.messageId !== undefined) resent.messageId = message.messageId
  if (message.contentType !== undefined) resent.contentType = message.contentType
  if (message.subject !== undefined) resent.subject = message.subject
  if (message.correlationId !== undefined) resent.correlationId = message.correlationId
  if (message.applicationProperties !== undefined) resent.applicationProperties = message.applicationProperties
  return resent
}

/**
 * Moves dead-lettered messages back to the topic: each is sent again (same body, properties and message id), then
 * completed in the dead-letter queue, so a crash in between leaves a duplicate, never a loss.
 */
export const resubmitDeadLetters = (client: ServiceBusClient, topic: string, subscription: string, max = 1_000) =>
  withReceiver(client, topic, subscription, "peekLock", async (receiver) => {
    const sender = client.createSender(topic)
    let moved = 0
    try {
      while (moved < max) {
        const batch = await receiver.receiveMessages(Math.min(100, max - moved), { maxWaitTimeInMs: 1_000 })
        if (batch.length === 0) break
        await sender.sendMessages(batch.map(resubmission))
        for (const message of batch) await receiver.completeMessage(message)
        moved += batch.length
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
