import { SchemaIssue } from "effect"

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const pathSegment = (segment: PropertyKey | { readonly key: PropertyKey }): string => {
  const key = typeof segment === "object" ? segment.key : segment
  return String(key)
}

/** Reduces a schema issue to its first failure: a dotted wire path and a sentence a person can act on. */
export const formatIssue = (issue: SchemaIssue.Issue): { readonly path: string; readonly problem: string } => {
  const first = formatter(issue).issues[0]
  if (first === undefined) return { path: "", problem: "does not match the event schema" }
  const path = (first.path ?? []).map(pathSegment).join(".")
  const problem = first.message === "Missing key" ? "is required but missing" : `is invalid: ${first.message}`
  return { path, problem }
}
