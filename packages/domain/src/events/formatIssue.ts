import { SchemaIssue } from "effect"

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const MAX_VALUE_LENGTH = 60

const keyOf = (segment: PropertyKey | { readonly key: PropertyKey }): PropertyKey =>
  typeof segment === "object" ? segment.key : segment

const valueAt = (input: unknown, path: ReadonlyArray<PropertyKey>): unknown => {
  let value = input
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined
    value = (value as Record<PropertyKey, unknown>)[key]
  }
  return value
}

const describe = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    // Not JSON (a bigint, a cycle): only reachable for values built in code, never for a decoded body.
    return String(value)
  }
}

const show = (value: unknown): string => {
  const text = describe(value)
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH)}…` : text
}

/**
 * Reduces a schema issue to its first failure: a dotted wire path and a sentence a person can act on, quoting the
 * offending value from `input` when the schema's message does not already.
 */
export const formatIssue = (
  issue: SchemaIssue.Issue,
  input: unknown,
): { readonly path: string; readonly depth: number; readonly problem: string } => {
  const first = formatter(issue).issues[0]
  if (first === undefined) return { path: "", depth: 0, problem: "does not match the event schema" }
  const keys = (first.path ?? []).map(keyOf)
  // `depth` tells "the value itself" (0) from a key that is the empty string (1, path ""), e.g. a tag named "".
  const path = keys.map(String).join(".")
  const depth = keys.length
  if (first.message === "Missing key") return { path, depth, problem: "is required but missing" }
  const got = first.message.includes(", got ") ? "" : `, got ${show(valueAt(input, keys))}`
  return { path, depth, problem: `is invalid: ${first.message}${got}` }
}
