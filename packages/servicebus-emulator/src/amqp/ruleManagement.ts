import { BrokerError } from "../broker/BrokerError.ts"
import type { SubscriptionEntity } from "../broker/entities.ts"
import { type Rule, RuleExpressionError, ruleFromConfig } from "../broker/rules.ts"
import type { ActionConfig, FilterConfig, RuleConfig, SqlParameterValue } from "../config/EmulatorConfig.ts"
import { sqlFilterConfig } from "../config/parseSqlRule.ts"
import { type Typed, types } from "./rheaTypes.ts"

/** Descriptor codes of rule descriptions on the management link (Service Bus AMQP request/response spec). */
const descriptors = {
  ruleDescription: 0x137_0000_0004,
  emptyRuleAction: 0x137_0000_0005,
  sqlRuleAction: 0x137_0000_0006,
  sqlFilter: 0x13_7000_0006,
  trueFilter: 0x13_7000_0007,
  falseFilter: 0x13_7000_0008,
  correlationFilter: 0x13_7000_0009,
} as const

/** The SQL compatibility level Service Bus reports with SQL filters and actions. */
const compatibilityLevel = 20

type Body = Readonly<Record<string, unknown>>

const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined)

const subscriptionOnly = (subscription: SubscriptionEntity | undefined, path: string): SubscriptionEntity => {
  if (subscription === undefined) {
    throw new BrokerError("InvalidOperation", `Rules belong to subscriptions; '${path}' is not a subscription.`)
  }
  return subscription
}

const ruleName = (body: Body): string => {
  const name = text(body["rule-name"])
  if (name === undefined) throw new BrokerError("InvalidOperation", "The request has no 'rule-name'.")
  return name
}

const isParameterValue = (value: unknown): value is SqlParameterValue =>
  value === null || value instanceof Date || ["string", "number", "bigint", "boolean"].includes(typeof value)

/**
 * Rule parameters in the sql-filter or sql-rule-action map (and from the management API, which shares this path):
 * a `bigint` is Int64 (the management API's int and long), a `number` is Double (the JS SDK types every number
 * parameter as a double).
 */
const parametersOf = (map: Body): Readonly<Record<string, SqlParameterValue>> => {
  const raw = map.parameters
  if (typeof raw !== "object" || raw === null || Array.isArray(raw) || Buffer.isBuffer(raw)) return {}
  const parameters: Record<string, SqlParameterValue> = {}
  for (const [name, value] of Object.entries(raw)) {
    if (!isParameterValue(value)) {
      throw new BrokerError("InvalidArgument", `The parameter '${name}' has a type SQL rules do not take.`)
    }
    parameters[name] = value
  }
  return parameters
}

const expressionOf = (map: Body, what: string): string => {
  const expression = map.expression
  if (typeof expression !== "string" || expression.trim() === "") {
    throw new BrokerError("InvalidArgument", `The ${what} has no expression.`)
  }
  return expression
}

const filterOf = (description: Body): FilterConfig => {
  const sql = description["sql-filter"] as Body | undefined
  if (sql !== undefined && sql !== null) return sqlFilterConfig(expressionOf(sql, "sql-filter"), parametersOf(sql))
  const correlation = description["correlation-filter"] as Body | undefined
  if (correlation === undefined || correlation === null) {
    throw new BrokerError("InvalidOperation", "The rule description has neither a sql-filter nor a correlation-filter.")
  }
  const properties: Record<string, string | number | boolean> = {}
  const rawProperties = correlation.properties
  if (typeof rawProperties === "object" && rawProperties !== null) {
    for (const [key, value] of Object.entries(rawProperties)) {
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") properties[key] = value
    }
  }
  const filter: Record<string, unknown> = { type: "correlation", properties }
  const fields = {
    correlationId: text(correlation["correlation-id"]),
    messageId: text(correlation["message-id"]),
    to: text(correlation.to),
    replyTo: text(correlation["reply-to"]),
    subject: text(correlation.label),
    sessionId: text(correlation["session-id"]),
    replyToSessionId: text(correlation["reply-to-session-id"]),
    contentType: text(correlation["content-type"]),
  }
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) filter[key] = value
  return filter as FilterConfig
}

export const addRule = (subscription: SubscriptionEntity | undefined, path: string, body: Body): void => {
  const target = subscriptionOnly(subscription, path)
  const name = ruleName(body)
  const description = body["rule-description"]
  if (typeof description !== "object" || description === null) {
    throw new BrokerError("InvalidOperation", "The request has no 'rule-description'.")
  }
  if (target.rules.has(name.toLowerCase())) {
    throw new BrokerError("EntityAlreadyExists", `The rule '${name}' already exists on '${path}'.`)
  }
  const filter = filterOf(description as Body)
  const action = actionOf(description as Body)
  const config: RuleConfig = action === undefined ? { name, filter } : { name, filter, action }
  target.rules.set(name.toLowerCase(), compileRule(config))
}

const actionOf = (description: Body): ActionConfig | undefined => {
  const action = description["sql-rule-action"] as Body | undefined
  if (action === undefined || action === null) return undefined
  return { expression: expressionOf(action, "sql-rule-action"), parameters: parametersOf(action) }
}

/** Compiles a rule; a refused SQL expression becomes the error the SDK surfaces (its position and what was expected). */
const compileRule = (config: RuleConfig): Rule => {
  try {
    return ruleFromConfig(config)
  } catch (error) {
    if (!(error instanceof RuleExpressionError)) throw error
    const what = `${error.part === "filter" ? "SQL filter expression" : "SQL rule action"} '${error.expression}'`
    if (error.error.kind === "unsupported") {
      throw new BrokerError(
        "NotImplemented",
        `The ${what} uses what the emulator does not support: ${error.error.message}.`,
      )
    }
    throw new BrokerError("InvalidArgument", `The ${what} is invalid: ${error.error.message}.`)
  }
}

export const removeRule = (subscription: SubscriptionEntity | undefined, path: string, body: Body): void => {
  const target = subscriptionOnly(subscription, path)
  const name = ruleName(body)
  if (!target.rules.delete(name.toLowerCase())) {
    throw new BrokerError("EntityNotFound", `The messaging entity '${path}/Rules/${name}' could not be found.`)
  }
}

const described = (code: number, fields: ReadonlyArray<Typed>): Typed =>
  types.described(types.wrap_ulong(code), types.List32(fields))

const optional = (value: string | undefined): Typed => (value === undefined ? types.Null() : types.wrap_string(value))

const encodeFilter = (config: FilterConfig): Typed => {
  switch (config.type) {
    case "true":
      return described(descriptors.trueFilter, [types.wrap_string("1=1")])
    case "false":
      return described(descriptors.falseFilter, [types.wrap_string("1=0")])
    case "sql":
      return described(descriptors.sqlFilter, [
        types.wrap_string(config.expression),
        types.wrap_int(compatibilityLevel),
      ])
    case "correlation":
      return described(descriptors.correlationFilter, [
        optional(config.correlationId),
        optional(config.messageId),
        optional(config.to),
        optional(config.replyTo),
        optional(config.subject),
        optional(config.sessionId),
        optional(config.replyToSessionId),
        optional(config.contentType),
        types.wrap_map(config.properties),
      ])
  }
}

const encodeAction = (config: ActionConfig | undefined): Typed =>
  config === undefined
    ? described(descriptors.emptyRuleAction, [])
    : described(descriptors.sqlRuleAction, [types.wrap_string(config.expression), types.wrap_int(compatibilityLevel)])

export const enumerateRules = (subscription: SubscriptionEntity | undefined, path: string, body: Body): Typed => {
  const target = subscriptionOnly(subscription, path)
  const skip = typeof body.skip === "number" ? body.skip : 0
  const top = typeof body.top === "number" ? body.top : Number.MAX_SAFE_INTEGER
  const rules = [...target.rules.values()]
    .slice(skip, skip + top)
    .map((rule) =>
      types.Map32([
        types.wrap_string("rule-description"),
        described(descriptors.ruleDescription, [
          encodeFilter(rule.config.filter),
          encodeAction(rule.config.action),
          types.wrap_string(rule.name),
        ]),
      ]),
    )
  return types.Map32([types.wrap_string("rules"), types.List32(rules)])
}
