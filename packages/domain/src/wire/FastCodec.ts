import { Result, Schema, SchemaAST, SchemaParser } from "effect"
import { SchemaJITCompiler } from "effect/schema"

/** A struct codec whose wire form is a struct too, such as `snakeCaseStruct` builds. */
export interface StructCodec<A, I = unknown> {
  readonly Type: A
  readonly Encoded: I
  readonly from: Schema.Top & { readonly fields: Schema.Struct.Fields }
  readonly to: { readonly fields: Schema.Struct.Fields }
}

/**
 * How the fast paths read and write a field whose own decoding or encoding would run Effect's interpreter once per
 * message. `undefined` for `decode` or `encode` means a copy.
 */
export interface FastField {
  /** A guard of the wire value, cheaper than the field's wire schema when `decode` does the rest of the checking. */
  readonly wire: Schema.Top
  /** For a value `wire` accepted: what the field's decoding gives, or `undefined` where that decoding fails. */
  readonly decode: ((wire: unknown) => unknown) | undefined
  /** For a valid domain value: what the field's encoding gives. */
  readonly encode: ((value: unknown) => unknown) | undefined
  /** What an absent optional field encodes to (`null` for `model_dump`); the key is left out when not given. */
  readonly absent?: { readonly value: unknown } | undefined
}

const declared = new WeakMap<Schema.Top, FastField>()

/** Declares how the fast paths read and write `schema` (see {@link FastField}); they hold to it, not to `schema`. */
export const withFastField = <S extends Schema.Top>(schema: S, fast: FastField): S => {
  declared.set(schema, fast)
  return schema
}

const orUndefined =
  <A>(run: (value: unknown) => Result.Result<A, unknown>) =>
  (value: unknown): A | undefined => {
    const result = run(value)
    return Result.isSuccess(result) ? result.success : undefined
  }

/**
 * How the fast paths treat a field: as declared with {@link withFastField}; else, when the field transforms nothing, a
 * copy; else the field's own decoder and encoder.
 */
export const fastFieldOf = (field: Schema.Top): FastField => {
  const fast = declared.get(field)
  if (fast !== undefined) return fast
  const wire = Schema.toEncoded(field)
  if (field.ast.encoding === undefined) return { wire, decode: undefined, encode: undefined }
  const codec = field as unknown as Schema.Codec<unknown, unknown>
  return {
    wire,
    decode: orUndefined(SchemaParser.decodeUnknownResult(codec)),
    encode: orUndefined(SchemaParser.encodeUnknownResult(codec)),
  }
}

/** One field copied from one object to another: the struct codecs' fast paths, in either direction. */
interface Step {
  readonly from: string
  readonly to: string
  /** Absent (or `null`) is allowed, and then written as `absent`, or left out. */
  readonly optional: boolean
  readonly absent: { readonly value: unknown } | undefined
  /** A field whose value is always the same (an event's `_tag` and `event_type`). */
  readonly constant: { readonly value: unknown } | undefined
  /** `undefined`: a copy; an `undefined` result fails the whole copy. */
  readonly convert: ((value: unknown) => unknown) | undefined
}

type Copy = (input: { readonly [key: string]: unknown }) => object | undefined

/** The copy as a loop over the steps: what {@link compileCopy} compiles, and the fallback where it cannot. */
const loopCopy =
  (steps: ReadonlyArray<Step>): Copy =>
  (input) => {
    const out: Record<string, unknown> = {}
    for (const step of steps) {
      if (step.constant !== undefined) {
        out[step.to] = step.constant.value
        continue
      }
      let value = input[step.from]
      if (value === undefined || value === null) {
        if (!step.optional) return undefined
        if (step.absent !== undefined) out[step.to] = step.absent.value
        continue
      }
      if (step.convert !== undefined) {
        value = step.convert(value)
        if (value === undefined) return undefined
      }
      out[step.to] = value
    }
    return out
  }

/**
 * The same copy as {@link loopCopy}, compiled into one function that names every key (as Effect's own schema JIT
 * compiles its parsers): the loop reads and writes a different key on each turn, which V8 can only do through its
 * slowest, megamorphic property access, and that was most of the cost of decoding a Resource. `undefined` where
 * `Function` is not allowed (a Content Security Policy without `unsafe-eval`).
 */
const compileCopy = (steps: ReadonlyArray<Step>): Copy | undefined => {
  // Keys go in as JSON string literals, which are JavaScript string literals too; values through `k`.
  const body = steps.map((step, i) => {
    const to = `out[${JSON.stringify(step.to)}]`
    if (step.constant !== undefined) return `${to} = k[${i}].constant.value`
    const absent = !step.optional ? "return undefined" : step.absent !== undefined ? `${to} = k[${i}].absent.value` : ""
    const convert = step.convert === undefined ? "" : `v = convert${i}(v); if (v === undefined) return undefined;`
    return `v = input[${JSON.stringify(step.from)}]
  if (v === undefined || v === null) { ${absent} } else { ${convert} ${to} = v }`
  })
  const converters = steps.map((step, i) => (step.convert === undefined ? "" : `const convert${i} = k[${i}].convert`))
  const source = `"use strict"
${converters.join("\n")}
return function copy(input) {
  const out = {}
  let v
  ${body.join("\n  ")}
  return out
}`
  try {
    return globalThis.Function("k", source)(steps) as Copy
  } catch {
    return undefined
  }
}

/** Whether {@link makeFastDecode} and {@link makeFastEncode} compile their copies (see {@link compileCopy}). */
export interface FastCodecOptions {
  /** `false`: the loop, as where `Function` is not allowed. Default `true`. */
  readonly compile?: boolean | undefined
}

const makeCopy = (steps: ReadonlyArray<Step>, options: FastCodecOptions | undefined): Copy =>
  (options?.compile === false ? undefined : compileCopy(steps)) ?? loopCopy(steps)

const fieldsOf = (codec: StructCodec<unknown>) => {
  // encodeKeys keeps the order of the fields.
  const wireKeys = Object.keys(codec.from.fields)
  return Object.entries(codec.to.fields).map(([key, field], index) => {
    const schema = field as Schema.Top
    const encoded = SchemaAST.toEncoded(schema.ast)
    return {
      key,
      wireKey: wireKeys[index] as string,
      optional: SchemaAST.isOptional(schema.ast),
      fast: fastFieldOf(schema),
      wireLiteral: encoded._tag === "Literal" ? { value: encoded.literal } : undefined,
    }
  })
}

/**
 * The decoder of the common case, derived from a struct codec: a compiled guard of the wire struct (each field's
 * cheaper guard where one is declared), then a copy that renames each key and decodes a value only where the field
 * transforms it. It gives what the codec's decoding gives without running Effect's interpreter over every field;
 * `undefined` means "ask the codec", which then decodes or explains.
 *
 * Left to the codec: invalid input, `null` in an optional field (unless the field's guard takes it), and a missing
 * key that a decoding default fills. The property tests hold it to the codec.
 */
export const makeFastDecode = <A>(
  codec: StructCodec<A>,
  options?: FastCodecOptions,
): ((input: unknown) => A | undefined) => {
  const fields = fieldsOf(codec)
  const guard = Schema.Struct(
    Object.fromEntries(
      fields.map((f) => [f.wireKey, f.optional ? Schema.optionalKey(f.fast.wire) : f.fast.wire] as const),
    ),
  )
  SchemaJITCompiler.enable(guard.ast)
  const isWire = SchemaParser.is(guard)
  const copy = makeCopy(
    fields.map((f) => ({
      from: f.wireKey,
      to: f.key,
      optional: f.optional,
      absent: undefined,
      constant:
        f.wireLiteral !== undefined && f.fast.decode !== undefined
          ? { value: f.fast.decode(f.wireLiteral.value) }
          : undefined,
      convert: f.fast.decode,
    })),
    options,
  )
  return (input) => (isWire(input) ? (copy(input as { readonly [key: string]: unknown }) as A | undefined) : undefined)
}

/**
 * The encoder derived from a struct codec: a copy that renames each key and encodes a value only where the field
 * transforms it. It writes what the codec's encoding writes for a valid value, without checking it again (the types
 * and the decoder did); the property tests hold it to the codec.
 */
export const makeFastEncode = <A, I>(codec: StructCodec<A, I>, options?: FastCodecOptions): ((value: A) => I) => {
  const copy = makeCopy(
    fieldsOf(codec).map((f) => ({
      from: f.key,
      to: f.wireKey,
      optional: f.optional,
      absent: f.fast.absent,
      constant: f.wireLiteral,
      convert: f.fast.encode,
    })),
    options,
  )
  return (value) => copy(value as { readonly [key: string]: unknown }) as I
}
