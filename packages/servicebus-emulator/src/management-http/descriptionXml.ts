import type { MessageStore } from "../broker/MessageStore.ts"
import type { EchoedProperties } from "../config/EmulatorConfig.ts"
import { durationText, maxTimeSpanText } from "./DescriptionReader.ts"
import { tag, textTag } from "./xml.ts"

export const namespaces = {
  atom: "http://www.w3.org/2005/Atom",
  connect: "http://schemas.microsoft.com/netservices/2010/10/servicebus/connect",
  instance: "http://www.w3.org/2001/XMLSchema-instance",
  countDetails: "http://schemas.microsoft.com/netservices/2011/06/servicebus",
  schema: "http://www.w3.org/2001/XMLSchema",
} as const

/** The runtime counts of a queue, topic or subscription (transfers are instantaneous in the emulator: always 0). */
export interface MessageCounts {
  readonly active: number
  readonly deadLetter: number
  readonly scheduled: number
  readonly sizeInBytes: number
}

/** A queue's or subscription's counts, its dead-letter queue included. */
export const storeCounts = (store: MessageStore): MessageCounts => {
  const own = store.counts()
  const deadLetter = store.deadLetterQueue?.counts()
  return {
    active: own.active,
    scheduled: own.scheduled,
    deadLetter: deadLetter?.active ?? 0,
    sizeInBytes: own.sizeInBytes + (deadLetter?.sizeInBytes ?? 0),
  }
}

export const totalCount = (counts: MessageCounts): number => counts.active + counts.deadLetter + counts.scheduled

/** `<CountDetails>` with exactly one namespace declaration: the JS SDK reads the prefix from it. */
export const countDetailsXml = (counts: MessageCounts): string =>
  tag(
    "CountDetails",
    [
      textTag("d2p1:ActiveMessageCount", counts.active),
      textTag("d2p1:DeadLetterMessageCount", counts.deadLetter),
      textTag("d2p1:ScheduledMessageCount", counts.scheduled),
      textTag("d2p1:TransferMessageCount", 0),
      textTag("d2p1:TransferDeadLetterMessageCount", 0),
    ].join(""),
    { "xmlns:d2p1": namespaces.countDetails },
  )

/** Azure reports "never accessed" as .NET's DateTime.MinValue. */
export const instantText = (ms: number | undefined): string =>
  ms === undefined ? "0001-01-01T00:00:00Z" : new Date(ms).toISOString()

/** The latest of some instants (AccessedAt: the last send to or delivery from an entity). */
export const latest = (instants: ReadonlyArray<number | undefined>): number | undefined => {
  let result: number | undefined
  for (const at of instants) if (at !== undefined && (result === undefined || at > result)) result = at
  return result
}

export const durationTag = (name: string, ms: number): string => textTag(name, durationText(ms))

/**
 * CreatedAt, UpdatedAt and AccessedAt, side by side in every description; AccessedAt is the latest of `accesses`
 * (the sends to and deliveries from the entity).
 */
export const timesXml = (
  times: { readonly createdAtMs: number; readonly updatedAtMs: number },
  accesses: ReadonlyArray<number | undefined>,
): string =>
  textTag("CreatedAt", instantText(times.createdAtMs)) +
  textTag("UpdatedAt", instantText(times.updatedAtMs)) +
  textTag("AccessedAt", instantText(latest(accesses)))

/** ForwardTo or ForwardDeadLetteredMessagesTo: present only when the entity forwards, naming the target by its URL. */
export const forwardTag = (name: string, target: string | undefined, forwardUrl: (name: string) => string): string =>
  target === undefined ? "" : textTag(name, forwardUrl(target))

/** An echoed property as stored, or Azure's value for an entity that never set it. */
export const echoedTag = (echoed: EchoedProperties | undefined, name: string, fallback?: string): string => {
  const value = echoed?.[name] ?? fallback
  return value === undefined ? "" : textTag(name, value)
}

export const neverText = maxTimeSpanText

/** A description element in the Service Bus namespace, as the `content` of an ATOM entry. */
export const descriptionTag = (name: string, fields: ReadonlyArray<string>): string =>
  tag(name, fields.join(""), { xmlns: namespaces.connect, "xmlns:i": namespaces.instance })
