import { randomUUID } from "node:crypto"
import type { MessageRouting, Payload } from "../broker/BrokeredMessage.ts"
import { type DecodedMessage, messageHelpers, types } from "./rheaTypes.ts"
import { binaryValue, MessageFormatError, scanSections, sectionCodes } from "./sections.ts"

/** Annotations only the broker sets; a sender's copies are dropped. */
const brokerAnnotations = new Set([
  "x-opt-sequence-number",
  "x-opt-enqueued-time",
  "x-opt-locked-until",
  "x-opt-enqueue-sequence-number",
  "x-opt-message-state",
  "x-opt-deadletter-source",
])

const scheduledEnqueueTime = "x-opt-scheduled-enqueue-time"

const idText = (id: unknown): string | undefined => {
  if (id === undefined || id === null) return undefined
  if (typeof id === "string") return id
  if (Buffer.isBuffer(id)) {
    if (id.length !== 16) return id.toString("hex")
    const hex = id.toString("hex")
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
  }
  return String(id)
}

const timeMs = (value: unknown): number | undefined => {
  if (value instanceof Date) return value.getTime()
  if (typeof value === "number") return value
  return undefined
}

/**
 * A message as the AMQP layer stores it: the bare message (properties, application properties, body, footer)
 * exactly as sent, plus the decoded fields that routing and delivery need.
 */
export class AmqpPayload implements Payload {
  readonly routing: MessageRouting
  readonly timeToLiveMs: number | undefined
  readonly scheduledEnqueueTimeMs: number | undefined
  readonly sizeInBytes: number
  readonly durable: boolean | undefined
  readonly priority: number | undefined
  /** The sender's message annotations (partition key, scheduled time, custom ones), broker-owned keys removed. */
  readonly annotations: Readonly<Record<string, unknown>> | undefined
  readonly bare: Buffer
  /** Where the application-properties section sits in `bare` (start === end when there is none). */
  private readonly applicationPropertiesStart: number
  private readonly applicationPropertiesEnd: number

  private constructor(fields: {
    routing: MessageRouting
    timeToLiveMs: number | undefined
    scheduledEnqueueTimeMs: number | undefined
    sizeInBytes: number
    durable: boolean | undefined
    priority: number | undefined
    annotations: Record<string, unknown> | undefined
    bare: Buffer
    applicationPropertiesStart: number
    applicationPropertiesEnd: number
  }) {
    this.routing = fields.routing
    this.timeToLiveMs = fields.timeToLiveMs
    this.scheduledEnqueueTimeMs = fields.scheduledEnqueueTimeMs
    this.sizeInBytes = fields.sizeInBytes
    this.durable = fields.durable
    this.priority = fields.priority
    this.annotations = fields.annotations
    this.bare = fields.bare
    this.applicationPropertiesStart = fields.applicationPropertiesStart
    this.applicationPropertiesEnd = fields.applicationPropertiesEnd
  }

  /**
   * Parses one encoded AMQP message. A missing message-id is assigned (as Service Bus does), which is the only
   * case where a bare-message section is re-encoded.
   */
  static decode(encoded: Buffer): AmqpPayload {
    const sections = scanSections(encoded)
    const bodyIndex = sections.findIndex((s) => s.code >= sectionCodes.data)
    const prefixEnd = bodyIndex < 0 ? encoded.length : (sections[bodyIndex]?.start ?? encoded.length)
    const decoded: DecodedMessage = prefixEnd > 0 ? messageHelpers.decode(encoded.subarray(0, prefixEnd)) : {}
    const properties = sections.find((s) => s.code === sectionCodes.properties)
    const applicationProperties = sections.find((s) => s.code === sectionCodes.applicationProperties)
    const bareStart = sections.find((s) => s.code >= sectionCodes.properties)?.start ?? encoded.length

    let messageId = idText(decoded.message_id)
    let bare: Buffer
    let shift = 0
    if (messageId === undefined) {
      messageId = randomUUID().replaceAll("-", "")
      const encodedProperties = encodeProperties({ ...propertyFields(decoded), message_id: messageId })
      const afterProperties = properties?.end ?? bareStart
      bare = Buffer.concat([encodedProperties, encoded.subarray(afterProperties)])
      shift = encodedProperties.length - (afterProperties - bareStart)
    } else {
      bare = encoded.subarray(bareStart)
    }
    const appStart = applicationProperties === undefined ? (properties?.end ?? bareStart) : applicationProperties.start
    const appEnd = applicationProperties === undefined ? appStart : applicationProperties.end

    const annotations: Record<string, unknown> = {}
    let hasAnnotations = false
    for (const [key, value] of Object.entries(decoded.message_annotations ?? {})) {
      if (brokerAnnotations.has(key)) continue
      annotations[key] = value
      hasAnnotations = true
    }
    return new AmqpPayload({
      routing: {
        messageId,
        correlationId: idText(decoded.correlation_id),
        to: decoded.to,
        subject: decoded.subject,
        replyTo: decoded.reply_to,
        replyToSessionId: decoded.reply_to_group_id,
        sessionId: decoded.group_id,
        contentType: decoded.content_type,
        applicationProperties: decoded.application_properties ?? {},
      },
      timeToLiveMs: decoded.ttl,
      scheduledEnqueueTimeMs: timeMs(decoded.message_annotations?.[scheduledEnqueueTime]),
      sizeInBytes: encoded.length,
      durable: decoded.durable,
      priority: decoded.priority,
      annotations: hasAnnotations ? annotations : undefined,
      bare,
      applicationPropertiesStart: appStart - bareStart + shift,
      applicationPropertiesEnd: appEnd - bareStart + shift,
    })
  }

  /** The bare message with different application properties (dead-letter reason, `propertiesToModify`). */
  bareWithApplicationProperties(applicationProperties: Readonly<Record<string, unknown>>): Buffer {
    const section = writeSections([
      types.described(types.wrap_ulong(sectionCodes.applicationProperties), types.wrap_map(applicationProperties)),
    ])
    return Buffer.concat([
      this.bare.subarray(0, this.applicationPropertiesStart),
      section,
      this.bare.subarray(this.applicationPropertiesEnd),
    ])
  }
}

/** Splits a batch transfer (message format 0x80013700): each data section of its body is one encoded message. */
export const decodeBatch = (encoded: Buffer): Array<AmqpPayload> => {
  const payloads: Array<AmqpPayload> = []
  for (const section of scanSections(encoded)) {
    if (section.code !== sectionCodes.data) continue
    payloads.push(AmqpPayload.decode(binaryValue(encoded, section.valueStart)))
  }
  if (payloads.length === 0) throw new MessageFormatError("a batch transfer must carry at least one message")
  return payloads
}

const propertyNames = [
  "message_id",
  "user_id",
  "to",
  "subject",
  "reply_to",
  "correlation_id",
  "content_type",
  "content_encoding",
  "absolute_expiry_time",
  "creation_time",
  "group_id",
  "group_sequence",
  "reply_to_group_id",
] as const

const propertyFields = (decoded: DecodedMessage): Record<string, unknown> => {
  const fields: Record<string, unknown> = {}
  for (const name of propertyNames) if (decoded[name] !== undefined) fields[name] = decoded[name]
  return fields
}

const encodeProperties = (fields: Readonly<Record<string, unknown>>): Buffer =>
  writeSections([messageHelpers.properties(fields).described()])

// One growable scratch buffer for the small sections encoded on every delivery.
const scratch = new types.Writer(Buffer.allocUnsafe(4096))

export const writeSections = (sections: ReadonlyArray<ReturnType<typeof types.described>>): Buffer =>
  Buffer.from(writeSectionsInPlace(sections))

/** Like `writeSections`, but the bytes stay in the shared scratch buffer: copy them before encoding anything else. */
export const writeSectionsInPlace = (sections: ReadonlyArray<ReturnType<typeof types.described>>): Buffer => {
  scratch.position = 0
  for (const section of sections) scratch.write(section)
  return scratch.toBuffer()
}
