import { Result, type Schema, SchemaAST, SchemaParser } from "effect"
import { formatIssue } from "./formatIssue.ts"

/** The first field of an event that breaks its wire schema: dotted wire path and what is wrong. */
export interface Violation {
  readonly path: string
  readonly problem: string
}

/**
 * Builds the explainer of a wire struct's failures: the first field, in declaration order, that is missing or
 * invalid, described exactly as decoding the whole struct would describe it (that decoder also stops at the first
 * failing field). Each field is checked with its own compiled guard and only the failing one goes through Effect's
 * detailed decoder: rejecting a malformed event costs a third of decoding and formatting the whole struct.
 *
 * Returns `undefined` when every field passes on its own (a check on the whole object failed): the caller then
 * decodes the whole struct.
 */
export const makeFirstViolation = (
  fields: Schema.Struct.Fields,
): ((input: { readonly [key: string]: unknown }) => Violation | undefined) => {
  const checks = Object.entries(fields).map(([key, schema]) => ({
    key,
    optional: SchemaAST.isOptional(schema.ast),
    is: SchemaParser.is(schema),
    decode: SchemaParser.decodeUnknownResult(schema as Schema.Decoder<unknown>),
  }))
  return (input) => {
    for (const check of checks) {
      // `in`, like the struct decoder: a key is present when reading it would find it.
      if (!(check.key in input)) {
        if (check.optional) continue
        return { path: check.key, problem: "is required but missing" }
      }
      const value = input[check.key]
      if (check.is(value)) continue
      const decoded = check.decode(value)
      if (Result.isSuccess(decoded)) continue
      const { path, problem } = formatIssue(decoded.failure, value)
      return { path: path === "" ? check.key : `${check.key}.${path}`, problem }
    }
    return undefined
  }
}
