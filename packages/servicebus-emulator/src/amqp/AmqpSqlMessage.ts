import type { SqlMessage, SqlValue, SystemProperty } from "../sql/index.ts"
import type { SystemRouting } from "./AmqpPayload.ts"
import { readApplicationProperties, readSqlProperties, type TypedEntry } from "./typedProperties.ts"

/** A stored AMQP message as SQL filters and actions read it: typed application properties, broker properties. */
export class AmqpSqlMessage implements SqlMessage {
  private readonly section: Buffer
  private readonly values = new Map<string, SqlValue>()
  private readonly keysByLowerName = new Map<string, string>()
  private readonly system: () => SystemRouting
  private typedEntries: ReadonlyArray<TypedEntry> | undefined

  constructor(applicationProperties: Buffer, system: () => SystemRouting) {
    this.section = applicationProperties
    this.system = system
    for (const [key, value] of readSqlProperties(applicationProperties)) {
      this.values.set(key, value)
      const lower = key.toLowerCase()
      if (!this.keysByLowerName.has(lower)) this.keysByLowerName.set(lower, key)
    }
  }

  /** The application properties in order with their AMQP types (what a rule action rewrites), read on first use. */
  get entries(): ReadonlyArray<TypedEntry> {
    this.typedEntries ??= readApplicationProperties(this.section)
    return this.typedEntries
  }

  userPropertyKey(name: string): string | undefined {
    return this.values.has(name) ? name : this.keysByLowerName.get(name.toLowerCase())
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
