import type { SqlMessage, SqlValue, SystemProperty } from "../sql/index.ts"
import type { SystemRouting } from "./AmqpPayload.ts"
import { readApplicationProperties, readSqlProperties, type TypedEntry } from "./typedProperties.ts"

/** A stored AMQP message as SQL filters and actions read it: typed application properties, broker properties. */
export class AmqpSqlMessage implements SqlMessage {
  private readonly section: Buffer
  private readonly values: ReadonlyMap<string, SqlValue>
  /** Built on the first lookup that does not match a name exactly (most filters spell names as sent). */
  private keysByLowerName: Map<string, string> | undefined
  private readonly system: () => SystemRouting
  private typedEntries: ReadonlyArray<TypedEntry> | undefined

  constructor(applicationProperties: Buffer, system: () => SystemRouting) {
    this.section = applicationProperties
    this.system = system
    this.values = readSqlProperties(applicationProperties)
  }

  /** The application properties in order with their AMQP types (what a rule action rewrites), read on first use. */
  get entries(): ReadonlyArray<TypedEntry> {
    this.typedEntries ??= readApplicationProperties(this.section)
    return this.typedEntries
  }

  userPropertyKey(name: string): string | undefined {
    if (this.values.has(name)) return name
    if (this.keysByLowerName === undefined) {
      this.keysByLowerName = new Map()
      for (const key of this.values.keys()) {
        const lower = key.toLowerCase()
        if (!this.keysByLowerName.has(lower)) this.keysByLowerName.set(lower, key)
      }
    }
    return this.keysByLowerName.get(name.toLowerCase())
  }

  userProperty(name: string): SqlValue | undefined {
    const key = this.userPropertyKey(name)
    return key === undefined ? undefined : this.values.get(key)
  }

  systemProperty(name: SystemProperty): string | null {
    const system = this.system()
    switch (name) {
      case "MessageId":
        // Empty only on a copy whose rule action removed it.
        return system.messageId === "" ? null : system.messageId
      case "CorrelationId":
        return system.correlationId ?? null
      case "To":
        return system.to ?? null
      case "ReplyTo":
        return system.replyTo ?? null
      case "Label":
        return system.subject ?? null
      case "SessionId":
        return system.sessionId ?? null
      case "ReplyToSessionId":
        return system.replyToSessionId ?? null
      case "ContentType":
        return system.contentType ?? null
    }
  }
}
