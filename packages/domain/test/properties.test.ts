import { describe, expect, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import * as fc from "fast-check"
import { agentLogEventCodecs } from "../src/events/AgentLogEvent.ts"
import { formatIssue } from "../src/events/formatIssue.ts"
import { resourceEventCodecs } from "../src/events/ResourceEvent.ts"
import {
  AgentEvent,
  decodeAgentEvent,
  decodeMessageBody,
  encodeAgentEvent,
  messageDecodeErrorTags,
  parseResourceEventsDetailed,
} from "../src/index.ts"
import { anyIsoTimestamp, canonicalTimestamp, resourceEventJson, validEventJson } from "./arbitraries.ts"

const decoded = (value: unknown) => {
  const result = decodeAgentEvent(value)
  if (Result.isFailure(result)) throw new Error(result.failure.message)
  return result.success
}

/** A wire field of the known events: one to override or remove. */
const wireKeys = fc.constantFrom(
  "timestamp",
  "tags",
  "deletion_error",
  "deletion_attempts",
  "resource_id",
  "resource_type",
  "resource_name",
  "run_id",
  "agent_id",
  "details",
  "severity",
)

/** Either an event, or a typed error whose message says what is wrong; returns the event. */
const expectDecodedOrExplained = (result: ReturnType<typeof decodeMessageBody>) => {
  if (Result.isSuccess(result)) return result.success
  expect(messageDecodeErrorTags).toContain(result.failure._tag)
  expect(result.failure.message).not.toBe("")
  return undefined
}

describe("properties", () => {
  it("parsing never throws on arbitrary JSON and accounts for every entry", () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue()), (messages) => {
        const { resources, skipped } = parseResourceEventsDetailed(messages)
        expect(resources.length + skipped.length).toBe(messages.length)
      }),
      { numRuns: 500 },
    )
  })

  it("parsing never throws on arbitrary values, and a non-list is one skipped entry", () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const whole = parseResourceEventsDetailed(value as ReadonlyArray<unknown>)
        if (Array.isArray(value)) expect(whole.resources.length + whole.skipped.length).toBe(value.length)
        else expect(whole).toMatchObject({ resources: [], skipped: [{ index: -1, reason: { _tag: "NotAList" } }] })
        const one = parseResourceEventsDetailed([value])
        expect(one.resources.length + one.skipped.length).toBe(1)
      }),
      { numRuns: 500 },
    )
  })

  it("decodeMessageBody never throws, whatever the body", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.string(),
          fc.uint8Array(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (body) => {
          expectDecodedOrExplained(decodeMessageBody(body))
        },
      ),
      { numRuns: 500 },
    )
  })

  it("decoding never throws when a known event carries arbitrary values in its fields", () => {
    const fields = ["resource_id", "resource_name", "timestamp", "tags", "deletion_attempts", "details", "severity"]
    fc.assert(
      fc.property(
        fc.constantFrom("resource_created", "resource_deleted", "operation", "error"),
        fc.dictionary(fc.constantFrom(...fields), fc.anything(), { noNullPrototype: true }),
        (eventType, values) => {
          const decoded = expectDecodedOrExplained(decodeMessageBody({ event_type: eventType, ...values }))
          // A known event type decodes to its own type or is a schema violation naming a field.
          if (decoded !== undefined) expect(decoded._tag).not.toBe("UnknownEvent")
          const parsed = parseResourceEventsDetailed([{ event_type: eventType, ...values }])
          expect(parsed.resources.length + parsed.skipped.length).toBe(1)
        },
      ),
      { numRuns: 500 },
    )
  })

  it("decoding then encoding a valid event gives back the input", () => {
    fc.assert(
      fc.property(validEventJson, (json) => {
        expect(encodeAgentEvent(decoded(json))).toEqual(json)
      }),
      { numRuns: 500 },
    )
  })

  it("decodes the same from an object, a JSON string and UTF-8 bytes", () => {
    fc.assert(
      fc.property(validEventJson, (json) => {
        const text = JSON.stringify(json)
        // Compare with the object as JSON carries it (fast-check's JSON values include -0, which JSON writes as 0).
        const fromObject = decodeMessageBody(JSON.parse(text))
        expect(decodeMessageBody(text)).toEqual(fromObject)
        // UTF-8 cannot carry lone surrogates (fast-check's JSON strings may contain them): bytes only for the rest.
        if (!/\p{Surrogate}/u.test(text)) {
          expect(decodeMessageBody(new TextEncoder().encode(text))).toEqual(fromObject)
        }
      }),
      { numRuns: 300 },
    )
  })

  it("the fast decoder agrees with the AgentEvent codec, both ways", () => {
    const decode = Schema.decodeUnknownSync(AgentEvent)
    const encode = Schema.encodeSync(AgentEvent)
    fc.assert(
      fc.property(validEventJson, (json) => {
        const event = decoded(json)
        expect(decode(json)).toEqual(event)
        expect(encode(event)).toEqual(encodeAgentEvent(event))
      }),
      { numRuns: 300 },
    )
  })

  it("the fast decoder accepts and rejects exactly what the AgentEvent codec does, nulls and bad timestamps included", () => {
    const decode = Schema.decodeUnknownResult(AgentEvent)
    const value = fc.oneof(
      fc.constant(null),
      fc.string(),
      canonicalTimestamp,
      fc.constantFrom("2024-11-14", "2024-11-14T12:00:00.5+01:00", "2024-13-01T00:00:00Z", "yesterday", ""),
      fc.nat(),
      fc.integer({ min: -3, max: -1 }),
      fc.double(),
      fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { noNullPrototype: true }),
      fc.constantFrom("info", "warning", "error", "debug"),
    )
    const overrides = fc.dictionary(wireKeys, value, { noNullPrototype: true })
    fc.assert(
      fc.property(validEventJson, overrides, (json, changes) => {
        const input = { ...json, ...changes }
        const fast = decodeAgentEvent(input)
        const codec = decode(input)
        expect(Result.isSuccess(fast)).toBe(Result.isSuccess(codec))
        if (Result.isSuccess(fast) && Result.isSuccess(codec)) expect(fast.success).toEqual(codec.success)
      }),
      { numRuns: 1000 },
    )
  })

  it("a rejected event names the same field and problem as decoding with its event's codec would", () => {
    const codecs: Record<string, Schema.Decoder<unknown>> = { ...resourceEventCodecs, ...agentLogEventCodecs }
    const value = fc.oneof(
      fc.constant(null),
      fc.constant(undefined),
      fc.string(),
      fc.constantFrom("2024-13-01T00:00:00Z", "yesterday", "info"),
      fc.integer({ min: -3, max: 3 }),
      fc.double(),
      fc.array(fc.string(), { maxLength: 2 }),
      fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { noNullPrototype: true }),
    )
    fc.assert(
      fc.property(
        validEventJson,
        fc.dictionary(wireKeys, value, { noNullPrototype: true }),
        fc.uniqueArray(wireKeys, { maxLength: 2 }),
        (json, changes, removed) => {
          const input: Record<string, unknown> = { ...json, ...changes }
          for (const key of removed) delete input[key]
          const codec = codecs[String(json.event_type)]
          // validEventJson also yields unknown event types, which have no codec of their own to compare with.
          if (codec === undefined) return
          const whole = Schema.decodeUnknownResult(codec)(input)
          const result = decodeAgentEvent(input)
          expect(Result.isFailure(result)).toBe(Result.isFailure(whole))
          if (Result.isFailure(result) && Result.isFailure(whole)) {
            const { path, problem } = formatIssue(whole.failure.issue, input)
            expect(result.failure).toMatchObject({ path, problem })
          }
        },
      ),
      { numRuns: 1000 },
    )
  })

  it("any accepted ISO-8601 spelling decodes to the same instant once re-encoded", () => {
    fc.assert(
      fc.property(resourceEventJson, anyIsoTimestamp, (json, timestamp) => {
        const once = decoded({ ...json, timestamp })
        expect(decoded(encodeAgentEvent(once))).toEqual(once)
      }),
      { numRuns: 300 },
    )
  })
})
