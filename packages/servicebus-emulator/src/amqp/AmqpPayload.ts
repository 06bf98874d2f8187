import { randomUUID } from "node:crypto"
import type { MessageRouting, Payload } from "../broker/BrokeredMessage.ts"
import type { PropertyEdits } from "../sql/index.ts"
import { AmqpSqlMessage } from "./AmqpSqlMessage.ts"
import { editBare } from "./payloadEdits.ts"
import { groupIdField, propertiesStringField } from "./propertiesField.ts"
import { type DecodedMessage, messageHelpers, types } from "./rheaTypes.ts"
import { binaryValue, MessageFormatError, type Section, scanSections, sectionCodes } from "./sections.ts"
import { encodeProperties, propertyFields, writeSections } from "./sectionWriter.ts"

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

/** True for an empty list or map (list0, or a compound whose count is 0): nothing to decode. */
const isEmptyCompound = (buffer: Buffer, offset: number): boolean => {
  const code = buffer[offset]
  if (code === 0x45) return true
  if (code === 0xc0 || code === 0xc1) return buffer[offset + 2] === 0
  if (code === 0xd0 || code === 0xd1) return buffer.readUInt32BE(offset + 5) === 0
  return false
}

/** Whether the first field of an encoded list (the properties' message-id) is set. */
const firstFieldIsSet = (buffer: Buffer, offset: number): boolean => {
  const code = buffer[offset]
  if (code === 0xc0) return (buffer[offset + 2] as number) > 0 && buffer[offset + 3] !== 0x40
  if (code === 0xd0) return buffer.readUInt32BE(offset + 5) > 0 && buffer[offset + 9] !== 0x40
  return false
}

/** The broker properties of a message (its routing without the application properties). */
export type SystemRouting = Omit<MessageRouting, "applicationProperties">

export interface Range {
  readonly start: number
  readonly end: number
}

/**
 * A message as the AMQP layer stores it: the bare message (properties, application properties, body, footer)
 * exactly as sent, plus the decoded fields that routing and delivery need. Properties and application properties
 * are decoded only when something reads `routing` (a correlation filter, a dead-letter reason): a topic with
 * TrueFilter subscriptions never pays for it.
 */
export class AmqpPayload implements Payload {
  readonly timeToLiveMs: number | undefined
  readonly scheduledEnqueueTimeMs: number | undefined
  readonly sizeInBytes: number
  readonly durable: boolean | undefined
  readonly priority: number | undefined
  /** The sender's message annotations (partition key, scheduled time, custom ones), broker-owned keys removed. */
  readonly annotations: Readonly<Record<string, unknown>> | undefined
  readonly bare: Buffer
  private readonly properties: Range | undefined
  /** Where the application-properties section sits in `bare` (start === end when there is none). */
  private readonly applicationProperties: Range
  private readonly assignedMessageId: string | undefined
  private decodedRouting: MessageRouting | undefined
  private decodedSql: AmqpSqlMessage | undefined
  private decodedSystem: SystemRouting | undefined

  private constructor(fields: {
    timeToLiveMs: number | undefined
    scheduledEnqueueTimeMs: number | undefined
    sizeInBytes: number
    durable: boolean | undefined
    priority: number | undefined
    annotations: Record<string, unknown> | undefined
    bare: Buffer
    properties: Range | undefined
    applicationProperties: Range
    assignedMessageId: string | undefined
  }) {
    this.timeToLiveMs = fields.timeToLiveMs
    this.scheduledEnqueueTimeMs = fields.scheduledEnqueueTimeMs
    this.sizeInBytes = fields.sizeInBytes
    this.durable = fields.durable
    this.priority = fields.priority
    this.annotations = fields.annotations
    this.bare = fields.bare
    this.properties = fields.properties
    this.applicationProperties = fields.applicationProperties
    this.assignedMessageId = fields.assignedMessageId
  }

  /**
   * Parses one encoded AMQP message. A missing message-id is assigned (as Service Bus does), which is the only
   * case where a bare-message section is re-encoded.
   */
  static decode(encoded: Buffer): AmqpPayload {
    const sections = scanSections(encoded)
    let header: Section | undefined
    let messageAnnotations: Section | undefined
    let properties: Section | undefined
    let applicationProperties: Section | undefined
    let bareStart = encoded.length
    for (const section of sections) {
      if (section.code === sectionCodes.header) header = section
      else if (section.code === sectionCodes.messageAnnotations) messageAnnotations = section
      else if (section.code === sectionCodes.properties) properties = section
      else if (section.code === sectionCodes.applicationProperties) applicationProperties = section
      if (section.code >= sectionCodes.properties && bareStart === encoded.length) bareStart = section.start
    }
    // Filters read application properties while a topic fans out: a section that is not a map is refused here,
    // before any subscription took the message.
    const applicationPropertiesType = applicationProperties && encoded[applicationProperties.valueStart]
    if (applicationPropertiesType !== undefined && ![0xc1, 0xd1, 0x40].includes(applicationPropertiesType)) {
      throw new MessageFormatError("the application-properties section must hold a map")
    }
    const headerFields =
      header === undefined || isEmptyCompound(encoded, header.valueStart)
        ? {}
        : messageHelpers.decode(encoded.subarray(header.start, header.end))
    const rawAnnotations =
      messageAnnotations === undefined || isEmptyCompound(encoded, messageAnnotations.valueStart)
        ? undefined
        : messageHelpers.decode(encoded.subarray(messageAnnotations.start, messageAnnotations.end)).message_annotations

    let bare = encoded.subarray(bareStart)
    let shift = -bareStart
    let assignedMessageId: string | undefined
    let propertiesRange: Range | undefined =
      properties === undefined ? undefined : { start: properties.start - bareStart, end: properties.end - bareStart }
    if (properties === undefined || !firstFieldIsSet(encoded, properties.valueStart)) {
      assignedMessageId = randomUUID().replaceAll("-", "")
      const decoded =
        properties === undefined ? {} : messageHelpers.decode(encoded.subarray(properties.start, properties.end))
      const encodedProperties = encodeProperties({ ...propertyFields(decoded), message_id: assignedMessageId })
      const afterProperties = properties?.end ?? bareStart
      bare = Buffer.concat([encodedProperties, encoded.subarray(afterProperties)])
      shift = encodedProperties.length - afterProperties
      propertiesRange = { start: 0, end: encodedProperties.length }
    }
    const appStart = applicationProperties?.start ?? properties?.end ?? bareStart
    const appEnd = applicationProperties?.end ?? appStart

    let annotations: Record<string, unknown> | undefined
    for (const [key, value] of Object.entries(rawAnnotations ?? {})) {
      if (brokerAnnotations.has(key)) continue
      annotations ??= {}
      annotations[key] = value
    }
    return new AmqpPayload({
      timeToLiveMs: headerFields.ttl,
      scheduledEnqueueTimeMs: timeMs(rawAnnotations?.[scheduledEnqueueTime]),
      sizeInBytes: encoded.length,
      durable: headerFields.durable,
      priority: headerFields.priority,
      annotations,
      bare,
      properties: propertiesRange,
      applicationProperties: { start: appStart + shift, end: appEnd + shift },
      assignedMessageId,
    })
  }

  get routing(): MessageRouting {
    this.decodedRouting ??= this.decodeRouting()
    return this.decodedRouting
  }

  /** The group-id, read straight from the encoded properties: session stores need it for every message. */
  get sessionId(): string | undefined {
    if (this.decodedRouting === undefined && this.properties !== undefined) {
      const scanned = propertiesStringField(this.bare, this.properties.start, groupIdField)
      if (scanned === "missing") return undefined
      if (scanned !== undefined) return scanned
    }
    const id = this.routing.sessionId
    return typeof id === "string" ? id : undefined
  }

  /** Typed properties for SQL filters and rule actions, decoded on first use. */
  get sql(): AmqpSqlMessage {
    const { start, end } = this.applicationProperties
    this.decodedSql ??= new AmqpSqlMessage(this.bare.subarray(start, end), () => this.system)
    return this.decodedSql
  }

  /** The copy a rule action makes: properties changed, body and annotations as sent. */
  withEdits(edits: PropertyEdits): AmqpPayload {
    const parts = {
      bare: this.bare,
      properties: this.properties,
      applicationProperties: this.applicationProperties,
      entries: this.sql.entries,
    }
    const bare = editBare(parts, edits)
    let properties: Range | undefined
    let applicationProperties: Range | undefined
    for (const section of scanSections(bare)) {
      const range = { start: section.start, end: section.end }
      if (section.code === sectionCodes.properties) properties = range
      else if (section.code === sectionCodes.applicationProperties) applicationProperties = range
    }
    const noApplicationProperties = properties?.end ?? 0
    return new AmqpPayload({
      timeToLiveMs: this.timeToLiveMs,
      scheduledEnqueueTimeMs: this.scheduledEnqueueTimeMs,
      sizeInBytes: this.sizeInBytes - this.bare.length + bare.length,
      durable: this.durable,
      priority: this.priority,
      annotations: this.annotations === undefined ? undefined : { ...this.annotations },
      bare,
      properties,
      applicationProperties: applicationProperties ?? { start: noApplicationProperties, end: noApplicationProperties },
      assignedMessageId: undefined,
    })
  }

  /** The bare message with different application properties (dead-letter reason, `propertiesToModify`). */
  bareWithApplicationProperties(applicationProperties: Readonly<Record<string, unknown>>): Buffer {
    const section = writeSections([
      types.described(types.wrap_ulong(sectionCodes.applicationProperties), types.wrap_map(applicationProperties)),
    ])
    return Buffer.concat([
      this.bare.subarray(0, this.applicationProperties.start),
      section,
      this.bare.subarray(this.applicationProperties.end),
    ])
  }

  /** The broker properties alone (SQL filters on `sys.` need no application properties decoded by rhea). */
  get system(): SystemRouting {
    this.decodedSystem ??= this.decodeSystem()
    return this.decodedSystem
  }

  private decodeSystem(): SystemRouting {
    const decoded: DecodedMessage =
      this.properties === undefined
        ? {}
        : messageHelpers.decode(this.bare.subarray(this.properties.start, this.properties.end))
    return {
      messageId: this.assignedMessageId ?? idText(decoded.message_id) ?? "",
      correlationId: idText(decoded.correlation_id),
      to: decoded.to,
      subject: decoded.subject,
      replyTo: decoded.reply_to,
      replyToSessionId: decoded.reply_to_group_id,
      sessionId: decoded.group_id,
      contentType: decoded.content_type,
    }
  }

  private decodeRouting(): MessageRouting {
    const { start, end } = this.applicationProperties
    const applicationProperties =
      end > start ? (messageHelpers.decode(this.bare.subarray(start, end)).application_properties ?? {}) : {}
    return { ...this.system, applicationProperties }
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

export { writeSections, writeSectionsInPlace } from "./sectionWriter.ts"
