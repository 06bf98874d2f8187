import type { FilterConfig } from "../config/EmulatorConfig.ts"
import type { MessageRouting } from "./BrokeredMessage.ts"

/** A subscription rule's filter. SQL filters (a later issue) will implement the same interface. */
export interface Filter {
  readonly kind: string
  matches(message: MessageRouting): boolean
}

export const trueFilter: Filter = { kind: "true", matches: () => true }

export const falseFilter: Filter = { kind: "false", matches: () => false }

type CorrelationConfig = Extract<FilterConfig, { type: "correlation" }>

const systemKeys = [
  "correlationId",
  "messageId",
  "to",
  "replyTo",
  "subject",
  "sessionId",
  "replyToSessionId",
  "contentType",
] as const

/** All set fields must be equal (Azure's correlation filter semantics: a conjunction of exact matches). */
export const correlationFilter = (config: CorrelationConfig): Filter => {
  const system = systemKeys.flatMap((key) => {
    const expected = config[key]
    return expected === undefined ? [] : [[key, expected] as const]
  })
  const properties = Object.entries(config.properties)
  return {
    kind: "correlation",
    matches: (message) => {
      for (const [key, expected] of system) if (message[key] !== expected) return false
      for (const [key, expected] of properties) if (message.applicationProperties[key] !== expected) return false
      return true
    },
  }
}

export const filterFromConfig = (config: FilterConfig): Filter => {
  switch (config.type) {
    case "true":
      return trueFilter
    case "false":
      return falseFilter
    case "correlation":
      return correlationFilter(config)
  }
}
