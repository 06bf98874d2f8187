import { SqlOpaque, type SqlValue } from "../sql/index.ts"
import { type Typed, type TypedValue, types } from "./rheaTypes.ts"
import { MessageFormatError, sectionCodes, skipValue } from "./sections.ts"

/**
 * Application properties with their AMQP types, which SQL filters need (an AMQP int is an Int64 to them, a double a
 * Double: `5 / 2` is 2 for one and 2.5 for the other) and which a rule action keeps when it changes a value.
 */

export interface TypedEntry {
  readonly key: string
  readonly value: TypedValue
}

/** The entries of an encoded application-properties section, in order. */
export const readApplicationProperties = (section: Buffer): Array<TypedEntry> => {
  if (section.length === 0) return []
  const map = new types.Reader(section).read().value as ReadonlyArray<TypedValue>
  const entries: Array<TypedEntry> = []
  for (let i = 0; i + 1 < map.length; i += 2) {
    entries.push({ key: String((map[i] as TypedValue).value), value: map[i + 1] as TypedValue })
  }
  return entries
}

const signedIntegers = new Set(["Byte", "Short", "Int", "SmallInt", "Long", "SmallLong"])
const unsignedIntegers = new Set(["Ubyte", "Ushort", "Uint", "SmallUint", "Uint0", "Ulong", "SmallUlong", "Ulong0"])

const integerOf = (typed: TypedValue): bigint => {
  const value = typed.value
  if (Buffer.isBuffer(value)) {
    return unsignedIntegers.has(typed.type.name) ? value.readBigUInt64BE(0) : value.readBigInt64BE(0)
  }
  return BigInt(value as number)
}

const uuidText = (bytes: Buffer): string => {
  const hex = bytes.toString("hex")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

export const sqlValueOf = (typed: TypedValue): SqlValue => {
  if (typed.descriptor !== undefined) return new SqlOpaque("described", typed.value, typed)
  const name = typed.type.name
  if (signedIntegers.has(name) || unsignedIntegers.has(name)) return integerOf(typed)
  switch (name) {
    case "Null":
      return null
    case "Boolean":
    case "True":
    case "False":
      return Boolean(typed.value)
    case "Float":
    case "Double":
      return typed.value as number
    case "Str8":
    case "Str32":
    case "Sym8":
    case "Sym32":
      return String(typed.value)
    case "Timestamp":
      return new SqlOpaque("timestamp", (typed.value as Date).getTime(), typed)
    case "Uuid":
      return new SqlOpaque("uuid", uuidText(typed.value as Buffer), typed)
    case "Vbin8":
    case "Vbin32":
      return new SqlOpaque("binary", typed.value, typed)
    case "CharUTF32":
      return new SqlOpaque("char", typed.value, typed)
    case "Map8":
    case "Map32":
      return new SqlOpaque("map", typed.value, typed)
    case "Decimal32":
    case "Decimal64":
    case "Decimal128":
      return new SqlOpaque("decimal", typed.value, typed)
    default:
      return new SqlOpaque("list", typed.value, typed)
  }
}

/** One value at `offset`; the common encodings directly, anything else through rhea's reader. */
const valueAt = (section: Buffer, offset: number, end: number): SqlValue => {
  switch (section[offset]) {
    case 0x40:
      return null
    case 0x41:
      return true
    case 0x42:
      return false
    case 0x56:
      return section[offset + 1] !== 0
    case 0x43:
    case 0x44:
      return 0n
    case 0x50:
    case 0x52:
    case 0x53:
      return BigInt(section.readUInt8(offset + 1))
    case 0x51:
    case 0x54:
    case 0x55:
      return BigInt(section.readInt8(offset + 1))
    case 0x60:
      return BigInt(section.readUInt16BE(offset + 1))
    case 0x61:
      return BigInt(section.readInt16BE(offset + 1))
    case 0x70:
      return BigInt(section.readUInt32BE(offset + 1))
    case 0x71:
      return BigInt(section.readInt32BE(offset + 1))
    case 0x80:
      return section.readBigUInt64BE(offset + 1)
    case 0x81:
      return section.readBigInt64BE(offset + 1)
    case 0x72:
      return section.readFloatBE(offset + 1)
    case 0x82:
      return section.readDoubleBE(offset + 1)
    case 0xa1:
    case 0xa3:
      return section.toString("utf8", offset + 2, end)
    case 0xb1:
    case 0xb3:
      return section.toString("utf8", offset + 5, end)
    default:
      return sqlValueOf(new types.Reader(section.subarray(offset, end)).read())
  }
}

/**
 * The application properties of an encoded section as SQL values, in order (the first of a repeated key wins, as
 * in rhea). Decoded straight from the bytes: this runs once for every message a topic with SQL subscriptions
 * receives.
 */
export const readSqlProperties = (section: Buffer): Map<string, SqlValue> => {
  const properties = new Map<string, SqlValue>()
  if (section.length === 0) return properties
  const map = skipValue(section, 1) // past the section descriptor
  const code = section[map]
  let count: number
  let position: number
  if (code === 0xc1) {
    count = section.readUInt8(map + 2)
    position = map + 3
  } else if (code === 0xd1) {
    count = section.readUInt32BE(map + 5)
    position = map + 9
  } else if (code === 0x40) {
    return properties
  } else {
    throw new MessageFormatError(`application properties must be a map, found type code 0x${(code ?? 0).toString(16)}`)
  }
  for (let i = 0; i + 1 < count; i += 2) {
    const keyEnd = skipValue(section, position)
    const key = String(valueAt(section, position, keyEnd))
    const valueEnd = skipValue(section, keyEnd)
    if (!properties.has(key)) properties.set(key, valueAt(section, keyEnd, valueEnd))
    position = valueEnd
  }
  return properties
}

const longBytes = (value: bigint, unsigned: boolean): Buffer => {
  const bytes = Buffer.alloc(8)
  if (unsigned) bytes.writeBigUInt64BE(value)
  else bytes.writeBigInt64BE(value)
  return bytes
}

/** An AMQP integer type a value can keep: its range and how to write a value of it. */
interface IntegerType {
  readonly min: bigint
  readonly max: bigint
  readonly typed: (value: bigint) => Typed
}

const integerType = (min: bigint, max: bigint, typed: (value: bigint) => Typed): IntegerType => ({ min, max, typed })
const uint = integerType(0n, 4_294_967_295n, (value) => types.Uint(Number(value)))
const ulong = integerType(0n, 2n ** 64n - 1n, (value) => types.Ulong(longBytes(value, true)))
const int = integerType(-2_147_483_648n, 2_147_483_647n, (value) => types.Int(Number(value)))

/** By rhea's type name (one type has several encodings: `SmallUint`, `Uint0`, …). */
const integerTypes: Readonly<Record<string, IntegerType>> = {
  Ubyte: integerType(0n, 255n, (value) => types.Ubyte(Number(value))),
  Ushort: integerType(0n, 65_535n, (value) => types.Ushort(Number(value))),
  Uint: uint,
  SmallUint: uint,
  Uint0: uint,
  Ulong: ulong,
  SmallUlong: ulong,
  Ulong0: ulong,
  Byte: integerType(-128n, 127n, (value) => types.Byte(Number(value))),
  Short: integerType(-32_768n, 32_767n, (value) => types.Short(Number(value))),
  Int: int,
  SmallInt: int,
}

/** An Int64 result keeps the property's integer type when it fits (C#'s implicit conversions), else it is a long. */
const integerTyped = (value: bigint, previous: string | undefined): Typed => {
  const type = previous === undefined ? undefined : integerTypes[previous]
  if (type !== undefined && value >= type.min && value <= type.max) return type.typed(value)
  if (previous === "Float") return types.Float(Number(value))
  if (previous === "Double") return types.Double(Number(value))
  return types.Long(longBytes(BigInt.asIntN(64, value), false))
}

const uuidBytes = (text: string): Buffer => Buffer.from(text.replaceAll("-", ""), "hex")

/** The AMQP form of a value a rule action sets; `previous` is the type the property had, if any. */
export const typedOf = (value: SqlValue, previous: TypedValue | undefined): Typed => {
  if (value === null) return types.Null()
  if (typeof value === "string") return types.wrap_string(value)
  if (typeof value === "boolean") return types.wrap_boolean(value)
  if (typeof value === "bigint") return integerTyped(value, previous?.type.name)
  if (typeof value === "number") {
    return previous?.type.name === "Float" ? types.Float(value) : types.Double(value)
  }
  if (value.raw !== undefined) return value.raw as Typed
  if (value.type === "uuid") return types.wrap_uuid(uuidBytes(value.value as string))
  return types.wrap(value.value)
}

/** Encodes an application-properties section (descriptor included) from typed entries. */
export const applicationPropertiesSection = (entries: ReadonlyArray<readonly [string, Typed]>): Typed =>
  types.described(
    types.wrap_ulong(sectionCodes.applicationProperties),
    types.Map32(entries.flatMap(([key, value]) => [types.wrap_string(key), value])),
  )
