import type { Rule } from "../broker/rules.ts"
import type { FilterConfig } from "../config/EmulatorConfig.ts"
import { descriptionTag, namespaces } from "./descriptionXml.ts"
import { badRequest } from "./ManagementError.ts"
import { childElement, escapeXml, tag, textTag, typeAttribute, type XmlElement } from "./xml.ts"

/**
 * A rule description in the shape of the AMQP rule manager's `add-rule` request body, so that rules created over
 * HTTP go through exactly the same validation and filter construction as those created over AMQP.
 */
export interface AmqpRuleDescription {
  readonly "sql-filter"?: { readonly expression: string; readonly parameters?: Record<string, unknown> }
  readonly "correlation-filter"?: Record<string, unknown>
  readonly "sql-rule-action"?: { readonly expression: string; readonly parameters?: Record<string, unknown> }
}

/**
 * How integer types arrive: SQL parameters keep Int64 apart from Double (`@n / 2` divides as integers for an int
 * parameter), correlation filter properties are compared with decoded message values, which are plain numbers.
 */
type Integers = "bigint" | "number"

const integerTypes = new Set([
  "int",
  "long",
  "short",
  "byte",
  "unsignedInt",
  "unsignedLong",
  "unsignedShort",
  "unsignedByte",
])

const typedValue = (value: XmlElement, key: string, integers: Integers): unknown => {
  const type = typeAttribute(value) ?? "string"
  const text = value.text
  if (integers === "bigint" && integerTypes.has(type)) {
    if (!/^[-+]?\d+$/.test(text)) throw badRequest(`Property '${key}': ${text} is not an integer.`)
    return BigInt(text)
  }
  switch (type) {
    case "string":
      return text
    case "boolean":
      if (text !== "true" && text !== "false") throw badRequest(`Property '${key}': ${text} is not a boolean.`)
      return text === "true"
    case "int":
    case "long":
    case "short":
    case "byte":
    case "unsignedInt":
    case "unsignedLong":
    case "unsignedShort":
    case "unsignedByte":
    case "double":
    case "float":
    case "decimal": {
      const number = Number(text)
      if (text === "" || !Number.isFinite(number)) throw badRequest(`Property '${key}': ${text} is not a number.`)
      return number
    }
    case "dateTime": {
      const date = new Date(text)
      if (Number.isNaN(date.getTime())) throw badRequest(`Property '${key}': ${text} is not a dateTime.`)
      return date
    }
    default:
      throw badRequest(`Property '${key}' has the unsupported type '${type}'.`)
  }
}

/** `<Properties>` / `<Parameters>`: a list of `<KeyValueOfstringanyType>` with typed values. */
const keyValues = (element: XmlElement | undefined, integers: Integers): Record<string, unknown> | undefined => {
  if (element === undefined || element.children.length === 0) return undefined
  const result: Record<string, unknown> = {}
  for (const pair of element.children) {
    const key = childElement(pair, "Key")?.text
    const value = childElement(pair, "Value")
    if (key === undefined || value === undefined)
      throw badRequest(`<${element.name}> holds an entry without Key or Value.`)
    result[key] = typedValue(value, key, integers)
  }
  return result
}

const correlationFields: ReadonlyArray<readonly [string, string]> = [
  ["CorrelationId", "correlation-id"],
  ["MessageId", "message-id"],
  ["To", "to"],
  ["ReplyTo", "reply-to"],
  ["Label", "label"],
  ["SessionId", "session-id"],
  ["ReplyToSessionId", "reply-to-session-id"],
  ["ContentType", "content-type"],
]

const readFilter = (filter: XmlElement | undefined): Pick<AmqpRuleDescription, "sql-filter" | "correlation-filter"> => {
  const type = filter === undefined ? "TrueFilter" : (typeAttribute(filter) ?? "SqlFilter")
  if (type === "CorrelationFilter") {
    const correlation: Record<string, unknown> = {}
    for (const [element, key] of correlationFields) {
      const text = childElement(filter, element)?.text
      if (text !== undefined && text !== "") correlation[key] = text
    }
    const properties = keyValues(childElement(filter, "Properties"), "number")
    for (const [key, value] of Object.entries(properties ?? {})) {
      if (value instanceof Date)
        throw badRequest(`Correlation filter property '${key}': dateTime values are not supported.`)
    }
    correlation.properties = properties ?? {}
    return { "correlation-filter": correlation }
  }
  if (type === "SqlFilter" || type === "TrueFilter" || type === "FalseFilter") {
    const fallback = type === "TrueFilter" ? "1=1" : type === "FalseFilter" ? "1=0" : undefined
    const expression = childElement(filter, "SqlExpression")?.text || fallback
    if (expression === undefined) throw badRequest("A SqlFilter needs a <SqlExpression>.")
    const parameters = keyValues(childElement(filter, "Parameters"), "bigint")
    return { "sql-filter": parameters === undefined ? { expression } : { expression, parameters } }
  }
  throw badRequest(
    `Unsupported filter type '${type}' (expected SqlFilter, TrueFilter, FalseFilter or CorrelationFilter).`,
  )
}

/** Reads a `<RuleDescription>` (or a subscription's `<DefaultRuleDescription>`). */
export const readRuleDescription = (
  element: XmlElement,
): { readonly name: string | undefined; readonly description: AmqpRuleDescription } => {
  const action = childElement(element, "Action")
  const actionType = action === undefined ? "EmptyRuleAction" : (typeAttribute(action) ?? "EmptyRuleAction")
  let sqlAction: AmqpRuleDescription["sql-rule-action"]
  if (actionType === "SqlRuleAction") {
    const expression = childElement(action, "SqlExpression")?.text
    if (expression === undefined || expression === "") throw badRequest("A SqlRuleAction needs a <SqlExpression>.")
    const parameters = keyValues(childElement(action, "Parameters"), "bigint")
    sqlAction = parameters === undefined ? { expression } : { expression, parameters }
  } else if (actionType !== "EmptyRuleAction") {
    throw badRequest(`Unsupported rule action type '${actionType}' (expected EmptyRuleAction or SqlRuleAction).`)
  }
  const name = childElement(element, "Name")?.text
  const filter = readFilter(childElement(element, "Filter"))
  return {
    name: name === "" ? undefined : name,
    description: sqlAction === undefined ? filter : { ...filter, "sql-rule-action": sqlAction },
  }
}

const typed = (value: unknown): { readonly type: string; readonly text: string } => {
  if (typeof value === "boolean") return { type: "boolean", text: String(value) }
  // The JS SDK reads int and double but not long: Int64 parameters go out as int or, beyond it, double while exact.
  if (typeof value === "bigint") {
    const small = value >= -(2n ** 31n) && value < 2n ** 31n
    const exact = value >= -(2n ** 53n) && value <= 2n ** 53n
    return { type: small ? "int" : exact ? "double" : "long", text: String(value) }
  }
  if (typeof value === "number") {
    return { type: Number.isInteger(value) && Math.abs(value) < 2 ** 31 ? "int" : "double", text: String(value) }
  }
  if (value instanceof Date) return { type: "dateTime", text: value.toISOString() }
  return { type: "string", text: String(value) }
}

// The JS SDK strips exactly five characters of the value's type ("d6p1:string" → "string").
const keyValuesXml = (name: string, values: Readonly<Record<string, unknown>>): string =>
  Object.keys(values).length === 0
    ? ""
    : tag(
        name,
        Object.entries(values)
          .map(([key, value]) => {
            const { type, text } = typed(value)
            return tag(
              "KeyValueOfstringanyType",
              textTag("Key", key) +
                tag("Value", escapeXml(text), { "i:type": `d6p1:${type}`, "xmlns:d6p1": namespaces.schema }),
            )
          })
          .join(""),
      )

const sqlTag = (type: string, expression: string, parameters: Readonly<Record<string, unknown>> = {}): string =>
  tag(
    "Filter",
    textTag("SqlExpression", expression) + keyValuesXml("Parameters", parameters) + textTag("CompatibilityLevel", 20),
    { "i:type": type },
  )

const filterXml = (config: FilterConfig): string => {
  switch (config.type) {
    case "true":
      return sqlTag("TrueFilter", "1=1")
    case "false":
      return sqlTag("FalseFilter", "1=0")
    case "correlation": {
      const fields: Array<[string, string | undefined]> = [
        ["CorrelationId", config.correlationId],
        ["MessageId", config.messageId],
        ["To", config.to],
        ["ReplyTo", config.replyTo],
        ["Label", config.subject],
        ["SessionId", config.sessionId],
        ["ReplyToSessionId", config.replyToSessionId],
        ["ContentType", config.contentType],
      ]
      return tag(
        "Filter",
        fields.map(([name, value]) => (value === undefined ? "" : textTag(name, value))).join("") +
          keyValuesXml("Properties", config.properties),
        { "i:type": "CorrelationFilter" },
      )
    }
    case "sql":
      return sqlTag("SqlFilter", config.expression, config.parameters)
  }
}

const actionXml = (rule: Rule): string => {
  const action = rule.config.action
  if (action === undefined) return tag("Action", undefined, { "i:type": "EmptyRuleAction" })
  return tag(
    "Action",
    textTag("SqlExpression", action.expression) +
      keyValuesXml("Parameters", action.parameters) +
      textTag("CompatibilityLevel", 20),
    { "i:type": "SqlRuleAction" },
  )
}

export const ruleDescriptionXml = (rule: Rule): string =>
  descriptionTag("RuleDescription", [filterXml(rule.config.filter), actionXml(rule), textTag("Name", rule.name)])
