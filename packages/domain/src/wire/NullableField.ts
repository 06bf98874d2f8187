import { Option, Predicate, Schema, SchemaGetter } from "effect"
import { fastFieldOf, withFastField } from "./FastCodec.ts"

const dropNull = <A>(value: Option.Option<A | null>): Option.Option<A> => Option.filter(value, Predicate.isNotNull)

const nullable = <S extends Schema.Top>(
  schema: S,
  encode: SchemaGetter.Getter<S["Encoded"] | null, S["Encoded"]>,
  absent: { readonly value: null } | undefined,
): Schema.optionalKey<Schema.decodeTo<S, Schema.NullOr<Schema.toEncoded<S>>>> => {
  const fast = fastFieldOf(schema)
  return withFastField(
    Schema.optionalKey(
      Schema.NullOr(Schema.toEncoded(schema)).pipe(
        Schema.decodeTo(schema, { decode: SchemaGetter.transformOptional(dropNull), encode }),
      ),
    ),
    // Where `null` stands for absent on every record (`model_dump`), the fast path takes it; elsewhere the codec does.
    { ...fast, wire: absent === undefined ? fast.wire : Schema.NullOr(fast.wire), absent },
  )
}

/**
 * An optional field that the wire may also carry as `null` (Python's `None`): `null` and a missing key both decode to
 * an absent field, which encodes as a missing key.
 */
export const optionalNullable = <S extends Schema.Top>(schema: S) =>
  nullable(schema, SchemaGetter.passthrough({ strict: false }), undefined)

/**
 * An optional field that the wire always carries, as `null` when absent (Pydantic's `model_dump`); a missing key
 * (`model_dump(exclude_none=True)`) decodes as absent too.
 */
export const nullWhenAbsent = <S extends Schema.Top>(schema: S) =>
  nullable(
    schema,
    SchemaGetter.transformOptional((value: Option.Option<S["Encoded"]>) => Option.some(Option.getOrNull(value))),
    { value: null },
  )
