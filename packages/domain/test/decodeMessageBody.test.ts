import { describe, expect, it } from "@effect/vitest"
import { DateTime, Result } from "effect"
import {
  sampleAgentLogEvents,
  sampleUnknownEvent,
  seedResourceCreated,
  seedResourceDeleted,
  seedResourceDeletionFailed,
} from "../src/fixtures/sampleEvents.ts"
import {
  BodyTooDeep,
  BodyTooLarge,
  type DecodeOptions,
  decodeMessageBody,
  encodeAgentEvent,
  InvalidJson,
  NotAnObject,
  SchemaViolation,
  UnsupportedBody,
} from "../src/index.ts"

const ok = (body: unknown, options?: DecodeOptions) => {
  const result = decodeMessageBody(body, options)
  if (Result.isFailure(result)) throw new Error(`expected success, got ${result.failure.message}`)
  return result.success
}

const fail = (body: unknown, options?: DecodeOptions) => {
  const result = decodeMessageBody(body, options)
  if (Result.isSuccess(result)) throw new Error(`expected failure, got ${JSON.stringify(result.success)}`)
  return result.failure
}

describe("decodeMessageBody", () => {
  it("decodes the seed's resource_created example into camelCase fields", () => {
    const event = ok(seedResourceCreated)
    expect(event).toEqual({
      _tag: "ResourceCreated",
      resourceId: seedResourceCreated.resource_id,
      resourceType: "Microsoft.Compute/virtualMachines",
      resourceName: "vm1",
      scenarioName: "test-scenario",
      runId: "run-123",
      timestamp: DateTime.makeUnsafe("2024-11-14T12:00:00Z"),
      tags: { environment: "test", team: "haymaker" },
    })
  })

  it("decodes the deleted and deletion-failed examples", () => {
    expect(ok(seedResourceDeleted)._tag).toBe("ResourceDeleted")
    const failed = ok(seedResourceDeletionFailed)
    expect(failed).toMatchObject({
      _tag: "ResourceDeletionFailed",
      deletionError: "Resource is locked or has active dependencies",
      deletionAttempts: 3,
    })
  })

  it("accepts an object, a JSON string, a Buffer, a Uint8Array and an ArrayBuffer identically", () => {
    const json = JSON.stringify(seedResourceCreated)
    const bytes = new TextEncoder().encode(json)
    const expected = ok(seedResourceCreated)
    expect(ok(json)).toEqual(expected)
    expect(ok(Buffer.from(json, "utf8"))).toEqual(expected)
    expect(ok(bytes)).toEqual(expected)
    expect(ok(bytes.buffer)).toEqual(expected)
  })

  it("decodes every agent log type", () => {
    expect(sampleAgentLogEvents.map((e) => ok(e)._tag)).toEqual([
      "AgentStarted",
      "AgentOperation",
      "AgentError",
      "CleanupComplete",
    ])
  })

  it("keeps unknown and missing event types as UnknownEvent with the raw object", () => {
    expect(ok(sampleUnknownEvent)).toEqual({
      _tag: "UnknownEvent",
      eventType: "quota_warning",
      raw: sampleUnknownEvent,
    })
    expect(ok({ hello: "world" })).toEqual({ _tag: "UnknownEvent", eventType: undefined, raw: { hello: "world" } })
  })

  it("reports invalid JSON with the parser's problem and a preview", () => {
    const error = fail("{not json")
    expect(error).toBeInstanceOf(InvalidJson)
    expect(error.message).toContain("not valid JSON")
    expect(error.message).toContain("{not json")
  })

  it("reports bytes that are not UTF-8 as InvalidJson", () => {
    const error = fail(new Uint8Array([0xff, 0xfe, 0x7b]))
    expect(error).toBeInstanceOf(InvalidJson)
    expect(error.message).toContain("not UTF-8")
  })

  it("reports JSON that is not an object as NotAnObject naming what it is", () => {
    expect(fail("[1,2]")).toEqual(new NotAnObject({ actualType: "array" }))
    expect(fail("42")).toEqual(new NotAnObject({ actualType: "number" }))
    expect(fail(null)).toEqual(new NotAnObject({ actualType: "null" }))
    expect(fail('"text"').message).toBe('Message body must be a JSON object with an "event_type" field, got string.')
  })

  it("reports a missing required field as SchemaViolation naming the wire field", () => {
    const { run_id: _, ...withoutRunId } = seedResourceCreated
    const error = fail(withoutRunId)
    expect(error).toBeInstanceOf(SchemaViolation)
    expect(error).toMatchObject({ eventType: "resource_created", path: "run_id", problem: "is required but missing" })
    expect(error.message).toBe('Invalid resource_created event: field "run_id" is required but missing.')
  })

  it("reports a wrongly typed field, including nested ones, with its path", () => {
    expect(fail({ ...seedResourceCreated, resource_name: 42 })).toMatchObject({ path: "resource_name" })
    expect(fail({ ...seedResourceCreated, tags: { env: 1 } })).toMatchObject({ path: "tags.env" })
    // A tag named "" is a path segment of its own (found by the property test against the whole wire schema).
    expect(fail({ ...seedResourceCreated, tags: { "": null } })).toMatchObject({ path: "tags." })
    expect(fail({ ...seedResourceDeletionFailed, deletion_attempts: -1 })).toMatchObject({ path: "deletion_attempts" })
  })

  it("quotes the offending value, even one JSON cannot write", () => {
    expect(fail({ ...seedResourceCreated, resource_name: 42 }).message).toBe(
      'Invalid resource_created event: field "resource_name" is invalid: Expected string, got 42.',
    )
    expect(fail({ ...seedResourceCreated, resource_name: 10n }).message).toContain("got 10")
  })

  it("rejects an unparseable timestamp with an example of the expected form", () => {
    const error = fail({ ...seedResourceCreated, timestamp: "yesterday" })
    expect(error).toMatchObject({ path: "timestamp" })
    expect(error.message).toContain("2024-11-14T12:00:00Z")
  })

  it("encodes a decoded seed event back to its wire form", () => {
    expect(encodeAgentEvent(ok(seedResourceDeletionFailed))).toEqual({
      ...seedResourceDeletionFailed,
      timestamp: "2024-11-14T12:02:00.000Z",
    })
  })
})

const nested = (levels: number): string => `${"[".repeat(levels)}1${"]".repeat(levels)}`

describe("decodeMessageBody limits (issue 10 §2: a poison body is refused with a reason, never thrown)", () => {
  const deepEvent = (levels: number) =>
    `{"event_type":"operation","timestamp":"2024-11-14T12:00:00Z","scenario_name":"s","run_id":"r","agent_id":"a","message":"m","severity":"info","details":{"x":${nested(levels)}}}`

  it("refuses a body nested deeper than the limit as BodyTooDeep, as text, bytes and objects", () => {
    // 5,000 levels made JSON.stringify overflow the stack in the archive sink and crash the worker.
    for (const body of [deepEvent(5_000), Buffer.from(deepEvent(5_000)), JSON.parse(deepEvent(5_000))]) {
      const error = fail(body)
      expect(error).toBeInstanceOf(BodyTooDeep)
      expect(error._tag).toBe("BodyTooDeep")
      expect(error.message).toContain("more than 64 levels deep")
    }
  })

  it("accepts nesting up to the limit and refuses one level more", () => {
    // The event is level 1, details level 2, so the array adds 62 levels to reach exactly 64.
    expect(ok(deepEvent(62))._tag).toBe("AgentOperation")
    expect(fail(deepEvent(63))).toBeInstanceOf(BodyTooDeep)
    const limits = { maxBodyBytes: 1024, maxDepth: 3 }
    expect(Result.isSuccess(decodeMessageBody('{"a":{"b":{}}}', { limits }))).toBe(true)
    expect(fail('{"a":{"b":{"c":{}}}}', { limits })._tag).toBe("BodyTooDeep")
  })

  it("refuses a body larger than the limit as BodyTooLarge before parsing it, in bytes of UTF-8", () => {
    const limits = { maxBodyBytes: 100, maxDepth: 64 }
    const body = JSON.stringify({ event_type: "x", pad: "é".repeat(60) }) // 60 characters, 120 bytes
    const error = fail(body, { limits })
    expect(error).toEqual(new BodyTooLarge({ sizeBytes: Buffer.byteLength(body), limitBytes: 100 }))
    expect(error.message).toContain("exceeds the limit of 100 bytes")
    expect(fail(Buffer.from(body), { limits })).toBeInstanceOf(BodyTooLarge)
    // The default is 256 KiB: a 300 KB body of valid JSON is refused, not parsed.
    expect(fail(Buffer.from(JSON.stringify({ pad: "x".repeat(300_000) })))).toBeInstanceOf(BodyTooLarge)
  })

  it("refuses an AMQP sequence section, and a value section that holds what JSON cannot carry", () => {
    const sequence = fail([[{ event_type: "operation" }]], { bodyType: "sequence" })
    expect(sequence).toBeInstanceOf(UnsupportedBody)
    expect(sequence.message).toContain("AMQP sequence section")
    const blob = fail({ ...seedResourceCreated, tags: { blob: Buffer.from([1, 2]) } }, { bodyType: "value" })
    expect(blob).toMatchObject({ _tag: "UnsupportedBody", bodyType: "value" })
    expect(blob.message).toContain("a Buffer at tags.blob")
    expect(fail({ when: new Date(0) }, { bodyType: "value" }).message).toContain("a Date at when")
    expect(fail({ n: Number.NaN }, { bodyType: "value" }).message).toContain("the number NaN at n")
  })

  it("reads a value section that is JSON text or a JSON map like a data section", () => {
    const expected = ok(seedResourceCreated)
    expect(ok(JSON.stringify(seedResourceCreated), { bodyType: "value" })).toEqual(expected)
    expect(ok(seedResourceCreated, { bodyType: "value" })).toEqual(expected)
  })

  it("never throws on an object whose getters throw", () => {
    const hostile = Object.defineProperty({}, "x", {
      enumerable: true,
      get() {
        throw new Error("boom")
      },
    })
    expect(fail(hostile)._tag).toBe("InvalidJson")
  })
})
