import type { MessageRouting } from "../broker/BrokeredMessage.ts"
import type { SqlMessage, SqlValue, SystemProperty } from "../sql/index.ts"
import { readApplicationProperties, sqlValueOf, type TypedEntry } from "./typedProperties.ts"

/** A stored AMQP message as SQL filters and actions read it: typed application properties, broker properties. */
export class AmqpSqlMessage implements SqlMessage {
  /** The application properties in order, with their AMQP types (what a rule action rewrites). */
  readonly entries: ReadonlyArray<TypedEntry>
  private readonly values = new Map<string, SqlValue>()
  private readonly keysByLowerName = new Map<string, string>()
  private readonly routing: () => MessageRouting

  constructor(applicationProperties: Buffer, routing: () => MessageRouting) {
    this.entries = readApplicationProperties(applicationProperties)
    this.routing = routing
    for (const { key, value } of this.entries) {
      this.values.set(key, sqlValueOf(value))
      const lower = key.toLowerCase()
      if (!this.keysByLowerName.has(lower)) this.keysByLowerName.set(lower, key)
    }
  }

  userPropertyKey(name: string): string | undefined {
    return this.values.has(name) ? name : this.keysByLowerName.get(name.toLowerCase())
  }

  userProperty(name: string): SqlValue | undefined {
    const key = this.userPropertyKey(name)
    return key === undefined ? undefined : this.values.get(key)
  }

  systemProperty(name: SystemProperty): string | null {
    const routing = this.routing()
    switch (name) {
      case "MessageId":
        // Empty only on a copy whose rule action removed it.
        return routing.messageId === "" ? null : routing.messageId
      case "CorrelationId":
        return routing.correlationId ?? null
      case "To":
        return routing.to ?? null
      case "ReplyTo":
        return routing.replyTo ?? null
      case "Label":
        return routing.subject ?? null
      case "SessionId":
        return routing.sessionId ?? null
      case "ReplyToSessionId":
        return routing.replyToSessionId ?? null
      case "ContentType":
        return routing.contentType ?? null
    }
  }
}
