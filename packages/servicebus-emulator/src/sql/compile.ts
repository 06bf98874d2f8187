import { randomUUID } from "node:crypto"
import type { Expression, Predicate, PropertyRef, Statement } from "./ast.ts"
import { cachedLike, compileLike, type LikeCompilation } from "./like.ts"
import { SqlError } from "./SqlError.ts"
import type { PropertyEdits, SqlMessage } from "./SqlMessage.ts"
import {
  and,
  arithmetic,
  compare,
  negate,
  not,
  or,
  SqlEvaluationError,
  SqlOpaque,
  type SqlValue,
  typeName,
} from "./SqlValue.ts"
import { lookupSystemProperty, type SystemProperty } from "./systemProperties.ts"

/**
 * Turns a parsed filter or action into closures, so that evaluating a rule against a message walks no tree and
 * allocates nothing but results. Parameters and constant LIKE patterns are resolved here, once.
 */

type Evaluate = (message: SqlMessage) => SqlValue
type Test = (message: SqlMessage) => boolean | null

/**
 * Rule parameters by name; `@name` and `name` are the same parameter, compared case-insensitively. A `Date` (a
 * dateTime parameter of the management API) is a timestamp.
 */
export type SqlParameters = Readonly<Record<string, SqlValue | Date>>

const parameterKey = (name: string): string => (name.startsWith("@") ? name.slice(1) : name).toLowerCase()

interface Context {
  readonly text: string
  readonly parameters: ReadonlyMap<string, SqlValue>
}

const contextOf = (text: string, parameters: SqlParameters | undefined): Context => ({
  text,
  parameters: new Map(
    Object.entries(parameters ?? {}).map(([name, value]) => [
      parameterKey(name),
      value instanceof Date ? new SqlOpaque("timestamp", value.getTime()) : value,
    ]),
  ),
})

const readProperty = (property: PropertyRef): Evaluate => {
  if (property.scope === "sys") {
    const name = property.name
    return (message) => message.systemProperty(name)
  }
  const name = property.name
  return (message) => message.userProperty(name) ?? null
}

/** `property(name)` / `p(name)`: the name is computed per message, with an optional `sys.` or `user.` scope. */
const dynamicProperty = (message: SqlMessage, name: SqlValue): SqlValue => {
  if (name === null) return null
  if (typeof name !== "string") {
    throw new SqlEvaluationError(`property() needs a string name, got ${typeName(name)}.`)
  }
  const dot = name.indexOf(".")
  const scope = dot < 0 ? "" : name.slice(0, dot).toLowerCase()
  if (scope === "sys") {
    const lookup = lookupSystemProperty(name.slice(dot + 1))
    if (lookup.kind !== "supported") {
      throw new SqlEvaluationError(`property('${name}'): not a system property the emulator supports.`)
    }
    return message.systemProperty(lookup.name)
  }
  return message.userProperty(scope === "user" ? name.slice(dot + 1) : name) ?? null
}

const expression = (node: Expression, context: Context): Evaluate => {
  switch (node.kind) {
    case "integer":
    case "double":
    case "string":
    case "boolean": {
      const value = node.value
      return () => value
    }
    case "null":
      return () => null
    case "parameter": {
      const key = parameterKey(node.name)
      if (!context.parameters.has(key)) {
        throw new SqlError("invalid", context.text, node.start, `the parameter ${node.name} has no value`)
      }
      const value = context.parameters.get(key) as SqlValue
      return () => value
    }
    case "property":
      return readProperty(node.property)
    case "negate": {
      const operand = expression(node.operand, context)
      const operator = node.operator
      return (message) => negate(operator, operand(message))
    }
    case "arithmetic": {
      const left = expression(node.left, context)
      const right = expression(node.right, context)
      const operator = node.operator
      return (message) => arithmetic(operator, left(message), right(message))
    }
    case "newid":
      return () => new SqlOpaque("uuid", randomUUID())
    case "propertyFunction": {
      const name = expression(node.name, context)
      return (message) => dynamicProperty(message, name(message))
    }
  }
}

const constantString = (node: Expression | undefined, context: Context): string | null | undefined => {
  if (node === undefined) return undefined
  if (node.kind === "string") return node.value
  if (node.kind === "null") return null
  if (node.kind === "parameter") {
    const value = context.parameters.get(parameterKey(node.name))
    if (typeof value === "string" || value === null) return value
  }
  return undefined
}

const likeMatcher = (regex: LikeCompilation): ((value: string) => boolean) => {
  if (!regex.ok) throw new SqlEvaluationError(`${regex.reason}.`)
  const compiled = regex.regex
  return (value) => compiled.test(value)
}

const like = (node: Extract<Predicate, { kind: "like" }>, context: Context): Test => {
  const operand = expression(node.operand, context)
  const negated = node.negated
  const constantPattern = constantString(node.pattern, context)
  const constantEscape = node.escape === undefined ? undefined : constantString(node.escape, context)
  if (typeof constantPattern === "string" && (node.escape === undefined || typeof constantEscape === "string")) {
    const compiled = compileLike(constantPattern, constantEscape ?? undefined)
    if (!compiled.ok) {
      const at = compiled.part === "escape" && node.escape !== undefined ? node.escape : node.pattern
      throw new SqlError("invalid", context.text, at.start, compiled.reason)
    }
    const regex = compiled.regex
    return (message) => {
      const value = operand(message)
      if (value === null) return null
      if (typeof value !== "string") throw new SqlEvaluationError(`LIKE needs a string, got ${typeName(value)}.`)
      return regex.test(value) !== negated
    }
  }
  const pattern = expression(node.pattern, context)
  const escapeOf = node.escape === undefined ? undefined : expression(node.escape, context)
  return (message) => {
    const value = operand(message)
    const patternValue = pattern(message)
    const escapeValue = escapeOf === undefined ? undefined : escapeOf(message)
    if (value === null || patternValue === null || escapeValue === null) return null
    if (typeof value !== "string" || typeof patternValue !== "string") {
      throw new SqlEvaluationError(`LIKE needs strings, got ${typeName(value)} LIKE ${typeName(patternValue)}.`)
    }
    if (escapeValue !== undefined && typeof escapeValue !== "string") {
      throw new SqlEvaluationError(`the LIKE escape must be a string, got ${typeName(escapeValue)}.`)
    }
    return likeMatcher(cachedLike(patternValue, escapeValue))(value) !== negated
  }
}

const propertyPresence = (property: PropertyRef): ((message: SqlMessage) => "absent" | "null" | "value") => {
  if (property.scope === "sys") {
    const name: SystemProperty = property.name
    return (message) => (message.systemProperty(name) === null ? "absent" : "value")
  }
  const name = property.name
  return (message) => {
    const value = message.userProperty(name)
    return value === undefined ? "absent" : value === null ? "null" : "value"
  }
}

const predicate = (node: Predicate, context: Context): Test => {
  switch (node.kind) {
    case "constant": {
      const value = node.value
      return () => value
    }
    case "compare": {
      const left = expression(node.left, context)
      const operator = node.operator
      // The common shape `property = 'text'` skips the general binding when the property holds a string.
      if ((operator === "=" || operator === "<>") && node.right.kind === "string") {
        const text = node.right.value
        const equal = operator === "="
        return (message) => {
          const value = left(message)
          return typeof value === "string" ? (value === text) === equal : compare(operator, value, text)
        }
      }
      const right = expression(node.right, context)
      return (message) => compare(operator, left(message), right(message))
    }
    case "in": {
      const operand = expression(node.operand, context)
      const items = node.items.map((item) => expression(item, context))
      const negated = node.negated
      // A list of string constants is a set lookup for a string value; other values take the general path.
      const texts = node.items.every((item) => item.kind === "string")
        ? new Set(node.items.map((item) => (item as { readonly value: string }).value))
        : undefined
      return (message) => {
        const value = operand(message)
        if (value === null) return null
        if (texts !== undefined && typeof value === "string") return texts.has(value) !== negated
        for (const item of items) {
          const candidate = item(message)
          if (candidate !== null && compare("=", value, candidate) === true) return !negated
        }
        return negated
      }
    }
    case "like":
      return like(node, context)
    case "isNull": {
      const presence = propertyPresence(node.property)
      const negated = node.negated
      return (message) => (presence(message) !== "value") !== negated
    }
    case "exists": {
      const presence = propertyPresence(node.property)
      return (message) => presence(message) !== "absent"
    }
    case "not": {
      const operand = predicate(node.operand, context)
      return (message) => not(operand(message))
    }
    case "and": {
      const left = predicate(node.left, context)
      const right = predicate(node.right, context)
      // Left to right, and the right side is not evaluated once the left decides (it cannot fail then).
      return (message) => {
        const a = left(message)
        return a === false ? false : and(a, right(message))
      }
    }
    case "or": {
      const left = predicate(node.left, context)
      const right = predicate(node.right, context)
      return (message) => {
        const a = left(message)
        return a === true ? true : or(a, right(message))
      }
    }
  }
}

export const compilePredicate = (node: Predicate, text: string, parameters: SqlParameters | undefined): Test =>
  predicate(node, contextOf(text, parameters))

/** The message as a running action sees it: its own earlier statements applied over the original. */
class EditedMessage implements SqlMessage {
  readonly user = new Map<string, SqlValue | undefined>()
  readonly system = new Map<SystemProperty, string | null>()
  private readonly base: SqlMessage

  constructor(base: SqlMessage) {
    this.base = base
  }

  /** Resolves a name against the current state: the original properties, minus removed ones, plus set ones. */
  userPropertyKey(name: string): string | undefined {
    if (this.present(name)) return name
    const key = this.base.userPropertyKey(name)
    if (key !== undefined && this.present(key)) return key
    const lower = name.toLowerCase()
    for (const [candidate, value] of this.user) {
      if (value !== undefined && candidate.toLowerCase() === lower) return candidate
    }
    return undefined
  }

  private present(key: string): boolean {
    return this.user.has(key) ? this.user.get(key) !== undefined : this.base.userPropertyKey(key) === key
  }

  userProperty(name: string): SqlValue | undefined {
    const key = this.userPropertyKey(name)
    if (key === undefined) return undefined
    return this.user.has(key) ? this.user.get(key) : this.base.userProperty(key)
  }

  systemProperty(name: SystemProperty): string | null {
    const edited = this.system.get(name)
    return edited === undefined ? this.base.systemProperty(name) : edited
  }
}

type Apply = (message: EditedMessage) => void

const statement = (node: Statement, context: Context): Apply => {
  const property = node.property
  if (node.kind === "remove") {
    if (property.scope === "sys") {
      const name = property.name
      return (message) => void message.system.set(name, null)
    }
    const name = property.name
    return (message) => {
      const key = message.userPropertyKey(name)
      if (key !== undefined) message.user.set(key, undefined)
    }
  }
  const value = expression(node.value, context)
  if (property.scope === "sys") {
    const name = property.name
    return (message) => {
      const result = value(message)
      if (result !== null && typeof result !== "string") {
        throw new SqlEvaluationError(`sys.${name} takes a string; the expression gave ${typeName(result)}.`)
      }
      message.system.set(name, result)
    }
  }
  const name = property.name
  return (message) => {
    const result = value(message)
    message.user.set(message.userPropertyKey(name) ?? name, result)
  }
}

export const compileStatements = (
  nodes: ReadonlyArray<Statement>,
  text: string,
  parameters: SqlParameters | undefined,
): ((message: SqlMessage) => PropertyEdits) => {
  const context = contextOf(text, parameters)
  const steps = nodes.map((node) => statement(node, context))
  return (message) => {
    const edited = new EditedMessage(message)
    for (const step of steps) step(edited)
    return { user: edited.user, system: edited.system }
  }
}
