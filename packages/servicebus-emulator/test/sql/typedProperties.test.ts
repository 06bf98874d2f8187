import { describe, expect, it } from "vitest"
import { AmqpPayload } from "../../src/amqp/AmqpPayload.ts"
import { messageHelpers, types } from "../../src/amqp/rheaTypes.ts"
import { scanSections, sectionCodes } from "../../src/amqp/sections.ts"
import { readApplicationProperties, readSqlProperties, sqlValueOf } from "../../src/amqp/typedProperties.ts"
import { SqlOpaque } from "../../src/sql/index.ts"

const rheaTypes = types as unknown as Record<string, (value?: unknown) => unknown>

/** The application-properties section of a message rhea encodes with these typed values. */
const section = (properties: Record<string, unknown>): Buffer => {
  const encoded = messageHelpers.encode({ application_properties: properties, body: "x" })
  const found = scanSections(encoded).find((s) => s.code === sectionCodes.applicationProperties)
  if (found === undefined) throw new Error("no application properties")
  return encoded.subarray(found.start, found.end)
}

describe("typed application properties", () => {
  const typed = {
    nothing: rheaTypes.Null?.(),
    yes: rheaTypes.True?.(),
    no: rheaTypes.False?.(),
    flag: rheaTypes.Boolean?.(1),
    ubyte: rheaTypes.Ubyte?.(200),
    byte: rheaTypes.Byte?.(-100),
    ushort: rheaTypes.Ushort?.(60_000),
    short: rheaTypes.Short?.(-30_000),
    uint: rheaTypes.Uint?.(4_000_000_000),
    smalluint: rheaTypes.SmallUint?.(7),
    uint0: rheaTypes.Uint0?.(),
    int: rheaTypes.Int?.(-2_000_000_000),
    smallint: rheaTypes.SmallInt?.(-5),
    long: types.wrap_long(-(2 ** 40)),
    bigLong: rheaTypes.Long?.(Buffer.from("7fffffffffffffff", "hex")),
    smalllong: rheaTypes.SmallLong?.(-1),
    ulong: rheaTypes.Ulong?.(Buffer.from("ffffffffffffffff", "hex")),
    ulong0: rheaTypes.Ulong0?.(),
    float: rheaTypes.Float?.(1.5),
    double: rheaTypes.Double?.(-2.25),
    str: types.wrap_string("grüße"),
    long_str: types.wrap_string("x".repeat(300)),
    sym: types.wrap_symbol("symbolic"),
    timestamp: types.wrap_timestamp(1_700_000_000_123),
    uuid: types.wrap_uuid(Buffer.from("00112233445566778899aabbccddeeff", "hex")),
    binary: types.wrap_binary(Buffer.from([1, 2, 3])),
    list: types.wrap_list([1, "a"]),
  }

  it("decodes every AMQP type the way rhea's reader does", () => {
    const bytes = section(typed)
    const fast = [...readSqlProperties(bytes)]
    const viaRhea = readApplicationProperties(bytes).map(({ key, value }) => [key, sqlValueOf(value)] as const)
    expect(fast.map(([key]) => key)).toEqual(Object.keys(typed))
    const plain = (entries: ReadonlyArray<readonly [string, unknown]>) =>
      entries.map(([key, value]) => [key, value instanceof SqlOpaque ? [value.type, value.value] : value])
    expect(plain(fast)).toEqual(plain(viaRhea))
    expect(Object.fromEntries(plain(fast))).toMatchObject({
      nothing: null,
      yes: true,
      no: false,
      flag: true,
      ubyte: 200n,
      byte: -100n,
      uint: 4_000_000_000n,
      uint0: 0n,
      int: -2_000_000_000n,
      long: -(2n ** 40n),
      bigLong: 2n ** 63n - 1n,
      ulong: 2n ** 64n - 1n,
      float: 1.5,
      double: -2.25,
      str: "grüße",
      sym: "symbolic",
      timestamp: ["timestamp", 1_700_000_000_123],
      uuid: ["uuid", "00112233-4455-6677-8899-aabbccddeeff"],
    })
  })

  it("reads a message without application properties as none", () => {
    expect(readSqlProperties(Buffer.alloc(0)).size).toBe(0)
  })
})

describe("an application-properties section that is not a map", () => {
  it("is refused when the message arrives, before any filter reads it", () => {
    const properties = types.described(types.wrap_ulong(sectionCodes.applicationProperties), types.wrap_list([1, 2]))
    const writer = new types.Writer()
    writer.write(properties)
    expect(() => AmqpPayload.decode(writer.toBuffer())).toThrow("the application-properties section must hold a map")
  })
})
