import { describe, expect, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import * as fc from "fast-check"
import { agentLogEventCodecs } from "../src/events/AgentLogEvent.ts"
import { resourceEventCodecs } from "../src/events/ResourceEvent.ts"
import { encodeResource, parseResourceEvents, ResourceRecord } from "../src/index.ts"
import { makeFastDecode, makeFastEncode, type StructCodec } from "../src/wire/FastCodec.ts"
import { agentLogEventJson, resourceEventJson } from "./arbitraries.ts"

const codecs: ReadonlyArray<readonly [string, StructCodec<unknown>]> = [
  ...Object.entries({ ...resourceEventCodecs, ...agentLogEventCodecs }),
  ["ResourceRecord", ResourceRecord],
]

const recordJson = resourceEventJson
  .map((event) => parseResourceEvents([event])[0])
  .filter((resource) => resource !== undefined)
  .map(encodeResource)

/** Inputs of every codec: valid ones, and valid ones with a field nulled, removed, or given another value. */
const inputs = fc.oneof(resourceEventJson, agentLogEventJson, recordJson).chain((json) =>
  fc.oneof(
    fc.constant(json as Record<string, unknown>),
    fc
      .tuple(
        fc.constantFrom(...Object.keys(json)),
        fc.oneof(fc.constant(undefined), fc.constant(null), fc.string(), fc.integer({ min: -1, max: 2 })),
      )
      .map(([key, value]) => {
        const changed: Record<string, unknown> = { ...json }
        if (value === undefined) delete changed[key]
        else changed[key] = value
        return changed
      }),
  ),
)

describe("the fast paths of the struct codecs", () => {
  it("decode to what the codec decodes, or leave the input to it", () => {
    const paths = codecs.map(([name, codec]) => ({
      name,
      fast: makeFastDecode(codec),
      decode: Schema.decodeUnknownResult(codec as unknown as Schema.Codec<unknown>),
    }))
    fc.assert(
      fc.property(inputs, (input) => {
        for (const { name, fast, decode } of paths) {
          const fromFast = fast(input)
          if (fromFast === undefined) continue
          const reference = decode(input)
          if (Result.isFailure(reference)) expect.fail(`${name}: the fast path accepted what the codec refuses`)
          else expect(fromFast, name).toEqual(reference.success)
        }
      }),
      { numRuns: 300 },
    )
  })

  it("take every valid event and record as this package writes them", () => {
    const fast = new Map(codecs.map(([name, codec]) => [name, makeFastDecode(codec)]))
    fc.assert(
      fc.property(fc.oneof(resourceEventJson, agentLogEventJson), recordJson, (event, record) => {
        expect(fast.get(String(event.event_type))?.(event)).toBeDefined()
        expect(fast.get("ResourceRecord")?.(record)).toBeDefined()
      }),
      { numRuns: 200 },
    )
  })

  it("encode as the codec does, keys in the same order", () => {
    const paths = codecs.map(([name, codec]) => ({
      name,
      decode: Schema.decodeUnknownResult(codec as unknown as Schema.Codec<unknown>),
      fast: makeFastEncode(codec),
      encode: Schema.encodeSync(codec as unknown as Schema.Codec<unknown>),
    }))
    fc.assert(
      fc.property(inputs, (input) => {
        for (const { decode, fast, encode, name } of paths) {
          const decoded = decode(input)
          if (Result.isFailure(decoded)) continue
          expect(JSON.stringify(fast(decoded.success)), name).toBe(JSON.stringify(encode(decoded.success)))
        }
      }),
      { numRuns: 300 },
    )
  })

  it("give the same result compiled as looping over the fields (where `Function` is not allowed)", () => {
    const paths = codecs.map(([name, codec]) => ({
      name,
      decode: makeFastDecode(codec),
      decodeLoop: makeFastDecode(codec, { compile: false }),
      encode: makeFastEncode(codec),
      encodeLoop: makeFastEncode(codec, { compile: false }),
    }))
    fc.assert(
      fc.property(inputs, (input) => {
        for (const { name, decode, decodeLoop, encode, encodeLoop } of paths) {
          const decoded = decode(input)
          expect(decoded, name).toEqual(decodeLoop(input))
          if (decoded === undefined) continue
          expect(JSON.stringify(encode(decoded)), name).toBe(JSON.stringify(encodeLoop(decoded)))
        }
      }),
      { numRuns: 300 },
    )
  })
})
