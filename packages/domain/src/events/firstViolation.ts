import { Result, Schema, SchemaParser } from "effect"
import { SchemaJITCompiler } from "effect/schema"
import { formatIssue } from "./formatIssue.ts"

/** The first field of an event that breaks its wire schema: dotted wire path and what is wrong. */
export interface Violation {
  readonly path: string
  readonly problem: string
}

/**
 * Builds the explainer of a wire struct's failures: the first field, in declaration order, that is missing or
 * invalid, described exactly as decoding the whole struct would describe it (that decoder also stops at the first
 * failing field). Only the failing field goes through Effect's detailed decoder, which makes rejecting a malformed
 * event about a third cheaper than decoding and formatting the whole struct.
 *
 * The fields before it are checked by compiled guards of one-field structs: a guard of the bare field schema would
 * run the interpreter, since leaf schemas such as `Schema.String` are not compiled on their own.
 *
 * Returns `undefined` when every field passes on its own (a check on the whole object failed): the caller then
 * decodes the whole struct.
 */
export const makeFirstViolation = (
  fields: Schema.Struct.Fields,
): ((input: { readonly [key: string]: unknown }) => Violation | undefined) => {
  const checks = Object.entries(fields).map(([key, schema]) => {
    const field = Schema.Struct({ [key]: schema })
    SchemaJITCompiler.enable(field.ast)
    return {
      key,
      is: SchemaParser.is(field),
      // The wire schemas need no services: their fields are plain values and checks.
      decode: SchemaParser.decodeUnknownResult(schema as unknown as Schema.Decoder<unknown>),
    }
  })
  return (input) => {
    for (const check of checks) {
      if (check.is(input)) continue
      // The one-field struct failed: its key is missing (an optional one would have passed) or its value is invalid.
      if (!(check.key in input)) return { path: check.key, problem: "is required but missing" }
      const value = input[check.key]
      const decoded = check.decode(value)
      if (Result.isSuccess(decoded)) continue
      const { path, depth, problem } = formatIssue(decoded.failure, value)
      return { path: depth === 0 ? check.key : `${check.key}.${path}`, problem }
    }
    return undefined
  }
}
