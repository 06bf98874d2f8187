import { describe, expect, it } from "@effect/vitest"
import { DateTime, Result } from "effect"
import {
  sampleAgentLogEvents,
  sampleUnknownEvent,
  seedResourceCreated,
  seedResourceDeleted,
  seedResourceDeletionFailed,
} from "../src/fixtures/sampleEvents.ts"
import { decodeMessageBody, encodeAgentEvent, InvalidJson, NotAnObject, SchemaViolation } from "../src/index.ts"

const ok = (body: unknown) => {
  const result = decodeMessageBody(body)
  if (Result.isFailure(result)) throw new Error(`expected success, got ${result.failure.message}`)
  return result.success
}

const fail = (body: unknown) => {
  const result = decodeMessageBody(body)
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
