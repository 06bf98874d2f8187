import type { FilterConfig } from "../config/EmulatorConfig.ts"
import { compileSqlFilter } from "../sql/index.ts"
import type { Payload } from "./BrokeredMessage.ts"

/** A subscription rule's filter. `matches` throws `SqlEvaluationError` when a SQL filter fails on the message. */
export interface Filter {
  readonly kind: string
  matches(message: Payload): boolean
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
      const routing = message.routing
      for (const [key, expected] of system) if (routing[key] !== expected) return false
      for (const [key, expected] of properties) if (routing.applicationProperties[key] !== expected) return false
      return true
    },
  }
}

/** Matches when the expression is true; false and unknown do not match. */
export const sqlFilter = (config: Extract<FilterConfig, { type: "sql" }>): Filter => {
  const compiled = compileSqlFilter(config.expression, config.parameters)
  return { kind: "sql", matches: (message) => compiled.evaluate(message.sql) === true }
}

export const filterFromConfig = (config: FilterConfig): Filter => {
  switch (config.type) {
    case "true":
      return trueFilter
    case "false":
      return falseFilter
    case "correlation":
      return correlationFilter(config)
    case "sql":
      return sqlFilter(config)
  }
}
