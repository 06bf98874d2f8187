import { compileSqlAction, compileSqlFilter, SqlError } from "../sql/index.ts"
import type { ActionConfig, FilterConfig, SqlParameterValue } from "./EmulatorConfig.ts"
import { asObject, fail, field, type JsonObject, onlyKeys, requiredString } from "./jsonReader.ts"

/**
 * The SQL parts of a rule in Config.json: `SqlFilter.SqlExpression` and `Action.SqlExpression`, each compiled here
 * so that a mistake stops the emulator at start-up with the rule's name, the position and what was expected.
 * `Parameters` (an object of `@name` → string, number, boolean or null) is an extension of the official format.
 */

const describeSqlError = (error: SqlError): string => {
  const kind =
    error.kind === "syntax" ? "syntax error" : error.kind === "unsupported" ? "not supported" : "invalid expression"
  return `${kind} at ${error.message}`
}

const parameters = (object: JsonObject): Readonly<Record<string, SqlParameterValue>> => {
  const raw = field(object, "Parameters")
  if (raw.value === undefined || raw.value === null) return {}
  const parsed: Record<string, SqlParameterValue> = {}
  for (const [name, value] of Object.entries(asObject(raw.path, raw.value).value)) {
    if (typeof value === "number") {
      parsed[name] = Number.isSafeInteger(value) ? BigInt(value) : value
    } else if (typeof value === "string" || typeof value === "boolean" || value === null) {
      parsed[name] = value
    } else {
      fail(`${raw.path}.${name}`, "expected a string, number, boolean or null as the parameter's value")
    }
  }
  return parsed
}

const compiled = (path: string, ruleName: string, compile: () => unknown): void => {
  try {
    compile()
  } catch (error) {
    if (error instanceof SqlError) fail(path, `rule ${JSON.stringify(ruleName)}: ${describeSqlError(error)}`)
    throw error
  }
}

const constantFilters: Readonly<Record<string, FilterConfig>> = { "1=1": { type: "true" }, "1=0": { type: "false" } }

/** `1=1` and `1=0` are the true and false filters (Service Bus lists them as such); other expressions stay SQL. */
export const sqlFilterConfig = (
  expression: string,
  parameters: Readonly<Record<string, SqlParameterValue>>,
): FilterConfig => {
  const constant = constantFilters[expression.replace(/\s+/g, "")]
  if (constant !== undefined && Object.keys(parameters).length === 0) return constant
  return { type: "sql", expression, parameters }
}

export const parseSqlFilter = (object: JsonObject, ruleName: string): FilterConfig => {
  onlyKeys(object, ["SqlExpression", "Parameters"])
  const expression = requiredString(object, "SqlExpression")
  const values = parameters(object)
  compiled(`${object.path}.SqlExpression`, ruleName, () => compileSqlFilter(expression, values))
  return sqlFilterConfig(expression, values)
}

export const parseSqlAction = (object: JsonObject, ruleName: string): ActionConfig => {
  onlyKeys(object, ["SqlExpression", "Parameters"])
  const expression = requiredString(object, "SqlExpression")
  const values = parameters(object)
  compiled(`${object.path}.SqlExpression`, ruleName, () => compileSqlAction(expression, values))
  return { expression, parameters: values }
}
