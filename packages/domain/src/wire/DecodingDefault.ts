import { Effect, Schema } from "effect"
import { fastFieldOf, withFastField } from "./FastCodec.ts"

/**
 * A field that the wire may leave out (older writers did), decoded as `value` then; always written. The fast decoder
 * leaves a missing key to the codec.
 */
export const defaultWhenMissing = <S extends Schema.Top>(schema: S, value: S["Encoded"]) =>
  withFastField(schema.pipe(Schema.withDecodingDefaultKey(Effect.succeed(value))), fastFieldOf(schema))
