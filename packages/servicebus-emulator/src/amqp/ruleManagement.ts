import { BrokerError } from "../broker/BrokerError.ts"
import type { SubscriptionEntity } from "../broker/entities.ts"
import { filterFromConfig } from "../broker/filters.ts"
import type { FilterConfig } from "../config/EmulatorConfig.ts"
import { type Typed, types } from "./rheaTypes.ts"

/** Descriptor codes of rule descriptions on the management link (Service Bus AMQP request/response spec). */
const descriptors = {
  ruleDescription: 0x137_0000_0004,
  emptyRuleAction: 0x137_0000_0005,
  sqlFilter: 0x13_7000_0006,
  trueFilter: 0x13_7000_0007,
  falseFilter: 0x13_7000_0008,
  correlationFilter: 0x13_7000_0009,
} as const

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

const filterOf = (description: Body): FilterConfig => {
  const sql = description["sql-filter"] as Body | undefined
  if (sql !== undefined && sql !== null) {
    const expression = String(sql.expression ?? "")
    const normalized = expression.replace(/\s+/g, "").toUpperCase()
    if (normalized === "1=1" || normalized === "TRUE") return { type: "true" }
    if (normalized === "1=0" || normalized === "FALSE") return { type: "false" }
    throw new BrokerError(
      "NotImplemented",
      `SQL filter expressions are not supported by the emulator yet (only 1=1 and 1=0): '${expression}'.`,
    )
  }
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
  if ((description as Body)["sql-rule-action"] !== undefined && (description as Body)["sql-rule-action"] !== null) {
    throw new BrokerError("NotImplemented", "Rule actions (SQL SET/REMOVE) are not supported by the emulator yet.")
  }
  if (target.rules.has(name.toLowerCase())) {
    throw new BrokerError("EntityAlreadyExists", `The rule '${name}' already exists on '${path}'.`)
  }
  const config = filterOf(description as Body)
  target.rules.set(name.toLowerCase(), { name, filter: filterFromConfig(config), config })
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
          encodeFilter(rule.config),
          described(descriptors.emptyRuleAction, []),
          types.wrap_string(rule.name),
        ]),
      ]),
    )
  return types.Map32([types.wrap_string("rules"), types.List32(rules)])
}
