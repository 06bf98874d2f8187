import {
  decodeAgentEvent,
  decodeMessageBody,
  encodeAgentEvent,
  knownEventTypes,
  parseIsoTimestamp,
  type SchemaViolation,
} from "@haymaker/domain"
import { Result } from "effect"
import * as fc from "fast-check"
import { assert, describe, it } from "vitest"
import {
  anyEventJson,
  badTimestamp,
  canonicalTimestamp,
  eventJsonOfType,
  type InvalidEventCase,
  invalidEvent,
  invalidJsonText,
  invalidTimestampText,
  isoTimestamp,
  missingRequiredField,
  notAnObject,
  toMessageBody,
  unknownEventJson,
  wrongFieldType,
} from "../src/index.ts"

const tagOf: Record<string, string> = {
  resource_created: "ResourceCreated",
  resource_deleted: "ResourceDeleted",
  resource_deletion_failed: "ResourceDeletionFailed",
  agent_started: "AgentStarted",
  operation: "AgentOperation",
  cleanup_complete: "CleanupComplete",
  error: "AgentError",
}

const expectRejected = (invalid: InvalidEventCase): void => {
  const decoded = decodeMessageBody(invalid.body)
  if (Result.isSuccess(decoded)) assert.fail(`accepted ${JSON.stringify(invalid.body)} as ${decoded.success._tag}`)
  else {
    assert.strictEqual(decoded.failure._tag, invalid.expected)
    if (invalid.field !== undefined) {
      const { path, eventType } = decoded.failure as SchemaViolation
      assert.isTrue(
        path === invalid.field || path.startsWith(`${invalid.field}.`),
        `path "${path}" is not in field "${invalid.field}"`,
      )
      assert.strictEqual(eventType, invalid.eventType)
    }
  }
}

describe("timestamp arbitraries", () => {
  it("canonicalTimestamp is what the domain encodes: parsing and formatting gives it back", () => {
    fc.assert(
      fc.property(canonicalTimestamp, (text) => {
        assert.strictEqual(new Date(parseIsoTimestamp(text) ?? Number.NaN).toISOString(), text)
      }),
    )
  })

  it("isoTimestamp texts parse to the instant they denote", () => {
    fc.assert(
      fc.property(isoTimestamp, ({ text, epochMillis }) => {
        assert.strictEqual(parseIsoTimestamp(text), epochMillis, text)
      }),
      { numRuns: 500 },
    )
  })

  it("invalidTimestampText is never accepted", () => {
    fc.assert(
      fc.property(invalidTimestampText, (text) => {
        assert.isUndefined(parseIsoTimestamp(text), text)
      }),
      { numRuns: 500 },
    )
  })
})

describe("valid event arbitraries", () => {
  it.each(knownEventTypes)("%s events decode into their type and encode back unchanged", (eventType) => {
    fc.assert(
      fc.property(eventJsonOfType(eventType), (json) => {
        const decoded = decodeAgentEvent(json)
        if (Result.isFailure(decoded)) assert.fail(decoded.failure.message)
        else {
          assert.strictEqual(decoded.success._tag, tagOf[eventType])
          assert.deepStrictEqual(encodeAgentEvent(decoded.success), json)
        }
      }),
    )
  })

  it.each(knownEventTypes)("loose %s events (nulls, any ISO-8601 shape) decode into their type", (eventType) => {
    fc.assert(
      fc.property(eventJsonOfType(eventType, { loose: true }), (json) => {
        const decoded = decodeAgentEvent(json)
        if (Result.isFailure(decoded)) assert.fail(decoded.failure.message)
        else assert.strictEqual(decoded.success._tag, tagOf[eventType])
      }),
    )
  })

  it("unknown events stay unknown and keep their raw object", () => {
    fc.assert(
      fc.property(unknownEventJson, (json) => {
        const decoded = decodeAgentEvent(json)
        if (Result.isFailure(decoded)) assert.fail(decoded.failure.message)
        else {
          assert.strictEqual(decoded.success._tag, "UnknownEvent")
          assert.deepStrictEqual(encodeAgentEvent(decoded.success), json)
        }
      }),
    )
  })

  it("every body form of a valid event decodes to the same event", () => {
    fc.assert(
      fc.property(anyEventJson(), fc.constantFrom("bytes", "text", "object") as fc.Arbitrary<"bytes">, (json, form) => {
        const decoded = decodeMessageBody(toMessageBody(json, form))
        if (Result.isFailure(decoded)) assert.fail(decoded.failure.message)
        else assert.deepStrictEqual(encodeAgentEvent(decoded.success), json)
      }),
    )
  })
})

describe("invalid event arbitraries", () => {
  const cases = {
    "a missing required field": missingRequiredField(),
    "a field of the wrong type": wrongFieldType(),
    "a bad timestamp": badTimestamp(),
    "a body that is not an object": notAnObject,
    "a body that is not JSON": invalidJsonText,
    "any invalid body": invalidEvent,
  }

  it.each(Object.entries(cases))("%s is rejected with the expected error, naming the field", (_, arbitrary) => {
    fc.assert(fc.property(arbitrary, expectRejected), { numRuns: 300 })
  })

  it("schema violations can be limited to resource or log events", () => {
    fc.assert(
      fc.property(
        fc.oneof(missingRequiredField("resource"), wrongFieldType("resource"), badTimestamp("resource")),
        (invalid) => assert.match(invalid.eventType ?? "", /^resource_/),
      ),
    )
    fc.assert(
      fc.property(fc.oneof(missingRequiredField("log"), wrongFieldType("log"), badTimestamp("log")), (invalid) =>
        assert.notMatch(invalid.eventType ?? "resource_", /^resource_/),
      ),
    )
  })
})
