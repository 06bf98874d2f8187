import { describe, expect, it } from "@effect/vitest"
import { DateTime, Effect, Logger, References } from "effect"
import { TestClock } from "effect/testing"
import {
  sampleAgentLogEvents,
  sampleRun,
  sampleUnknownEvent,
  seedEventSchemaExamples,
  seedPublishExample,
  seedResourceCreated,
  seedResourceDeleted,
  seedResourceDeletionFailed,
} from "../src/fixtures/sampleEvents.ts"
import {
  parseResourceEvents,
  parseResourceEventsDetailed,
  parseResourceEventsEffect,
  type SkippedEntry,
} from "../src/index.ts"

const at = (iso: string) => DateTime.makeUnsafe(iso)
const fixedNow = at("2030-01-02T03:04:05.000Z")
const options = { now: () => fixedNow }

// Ported from the original module's unit tests (tests/unit/test_event_bus.py, parsing section).
describe("parseResourceEvents: the original unit tests", () => {
  it("parses a single creation event", () => {
    const [resource, ...rest] = parseResourceEvents([seedPublishExample], options)
    expect(rest).toEqual([])
    expect(resource).toMatchObject({
      resourceId: seedPublishExample.resource_id,
      resourceType: "Microsoft.Compute/virtualMachines",
      resourceName: "vm1",
      scenarioName: "test-scenario",
      runId: "run-123",
      status: "created",
      deletionAttempts: 0,
      tags: {},
    })
    expect(resource?.deletedAt).toBeUndefined()
    expect(resource?.deletionError).toBeUndefined()
  })

  it("parses several event types into their statuses", () => {
    const resources = parseResourceEvents(seedEventSchemaExamples, options)
    expect(resources.map((r) => [r.resourceName, r.status])).toEqual([
      ["vm1", "created"],
      ["storage1", "deleted"],
      ["vm1", "deletion_failed"],
    ])
  })

  it("keeps tags", () => {
    const [resource] = parseResourceEvents([seedResourceCreated], options)
    expect(resource?.tags).toEqual({ environment: "test", team: "haymaker" })
  })

  it("keeps the deletion error and attempts of a failed deletion", () => {
    const [resource] = parseResourceEvents([seedResourceDeletionFailed], options)
    expect(resource?.status).toBe("deletion_failed")
    expect(resource?.deletionError).toBe("Resource is locked or has active dependencies")
    expect(resource?.deletionAttempts).toBe(3)
  })

  it("returns nothing for an empty list", () => {
    expect(parseResourceEvents([], options)).toEqual([])
  })

  it("ignores unknown event types", () => {
    const resources = parseResourceEvents([sampleUnknownEvent, seedResourceCreated, { event_type: "other" }], options)
    expect(resources.map((r) => r.resourceName)).toEqual(["vm1"])
  })

  it("preserves timestamps as values, not merely their presence", () => {
    const [created, deleted, failed] = parseResourceEvents(seedEventSchemaExamples, options)
    expect(DateTime.toEpochMillis(created?.createdAt ?? fixedNow)).toBe(Date.UTC(2024, 10, 14, 12, 0, 0))
    expect(created?.createdAt).toEqual(at("2024-11-14T12:00:00Z"))
    expect(deleted?.createdAt).toEqual(at("2024-11-14T12:01:00Z"))
    expect(deleted?.deletedAt).toEqual(at("2024-11-14T12:01:00Z"))
    expect(failed?.createdAt).toEqual(at("2024-11-14T12:02:00Z"))
    expect(failed?.deletedAt).toBeUndefined()
  })
})

describe("parseResourceEvents: seed semantics", () => {
  it("keeps the input order", () => {
    const names = ["a", "b", "c", "d", "e"]
    const events = names.map((name) => ({ ...seedResourceCreated, resource_name: name }))
    expect(parseResourceEvents(events, options).map((r) => r.resourceName)).toEqual(names)
  })

  it("uses the current time as createdAt when the timestamp is absent (or null)", () => {
    const { timestamp: _, ...withoutTimestamp } = seedResourceCreated
    const [absent, nulled] = parseResourceEvents(
      [withoutTimestamp, { ...seedResourceCreated, timestamp: null }],
      options,
    )
    expect(absent?.createdAt).toEqual(fixedNow)
    expect(nulled?.createdAt).toEqual(fixedNow)
  })

  it("sets deletedAt to the current time too for a deletion without timestamp", () => {
    const { timestamp: _, ...withoutTimestamp } = seedResourceDeleted
    const [resource] = parseResourceEvents([withoutTimestamp], options)
    expect(resource?.deletedAt).toEqual(fixedNow)
  })

  it("reads the clock at most once per call and not at all when every event has a timestamp", () => {
    let reads = 0
    const now = () => {
      reads++
      return fixedNow
    }
    parseResourceEvents(seedEventSchemaExamples, { now })
    expect(reads).toBe(0)
    const { timestamp: _, ...withoutTimestamp } = seedResourceCreated
    parseResourceEvents([withoutTimestamp, withoutTimestamp], { now })
    expect(reads).toBe(1)
  })

  it("skips an event missing a required field with an error naming field and index, and continues", () => {
    for (const field of ["resource_id", "resource_type", "resource_name", "scenario_name", "run_id"] as const) {
      const broken: Record<string, unknown> = { ...seedResourceCreated }
      delete broken[field]
      const { resources, skipped } = parseResourceEventsDetailed([seedResourceDeleted, broken, seedResourceCreated])
      expect(resources.map((r) => r.resourceName)).toEqual(["storage1", "vm1"])
      expect(skipped).toHaveLength(1)
      expect(skipped[0]).toMatchObject({
        index: 1,
        level: "error",
        reason: { _tag: "SchemaViolation", eventType: "resource_created", path: field },
      })
      expect(skipped[0]?.message).toContain("Event 1")
      expect(skipped[0]?.message).toContain(`"${field}"`)
    }
  })

  it("skips an event with a wrongly typed field with an error", () => {
    const { skipped } = parseResourceEventsDetailed([
      { ...seedResourceCreated, resource_name: 7 },
      { ...seedResourceCreated, tags: ["a"] },
      { ...seedResourceDeletionFailed, deletion_attempts: "3" },
      { ...seedResourceDeletionFailed, deletion_attempts: -2 },
    ])
    expect(skipped.map((s) => [s.index, s.level, s.reason._tag === "SchemaViolation" && s.reason.path])).toEqual([
      [0, "error", "resource_name"],
      [1, "error", "tags"],
      [2, "error", "deletion_attempts"],
      [3, "error", "deletion_attempts"],
    ])
  })

  it("skips an event with an unparseable timestamp with an error", () => {
    const { resources, skipped } = parseResourceEventsDetailed([
      { ...seedResourceCreated, timestamp: "not a date" },
      { ...seedResourceCreated, timestamp: "2024-02-30T00:00:00Z" },
    ])
    expect(resources).toEqual([])
    expect(skipped.map((s) => s.reason._tag === "SchemaViolation" && s.reason.path)).toEqual(["timestamp", "timestamp"])
    expect(skipped[0]?.message).toContain("ISO-8601")
  })

  it("skips entries without event_type and agent log events silently (debug)", () => {
    const { resources, skipped } = parseResourceEventsDetailed([{ resource_id: "x" }, ...sampleAgentLogEvents])
    expect(resources).toEqual([])
    expect(skipped.map((s) => [s.index, s.level, s.reason._tag])).toEqual([
      [0, "debug", "MissingEventType"],
      [1, "debug", "NotAResourceEvent"],
      [2, "debug", "NotAResourceEvent"],
      [3, "debug", "NotAResourceEvent"],
      [4, "debug", "NotAResourceEvent"],
    ])
  })

  it("skips entries that are not objects with an error", () => {
    const { skipped } = parseResourceEventsDetailed([null, 3, "resource_created", [seedResourceCreated]])
    expect(skipped.map((s) => [s.level, s.reason])).toEqual([
      ["error", { _tag: "NotAnObject", actualType: "null" }],
      ["error", { _tag: "NotAnObject", actualType: "number" }],
      ["error", { _tag: "NotAnObject", actualType: "string" }],
      ["error", { _tag: "NotAnObject", actualType: "array" }],
    ])
  })

  it("does not throw when given something that is not a list", () => {
    const result = parseResourceEventsDetailed(undefined as unknown as Array<unknown>)
    expect(result.resources).toEqual([])
    expect(result.skipped[0]).toMatchObject({ index: -1, level: "error", reason: { _tag: "NotAList" } })
  })

  it("does not throw when an entry throws while being read", () => {
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error("boom")
        },
      },
    )
    const { resources, skipped } = parseResourceEventsDetailed([hostile, seedResourceCreated])
    expect(resources).toHaveLength(1)
    expect(skipped[0]).toMatchObject({ index: 0, level: "error", reason: { _tag: "Unexpected", problem: "boom" } })
  })

  it("reports skipped entries to onSkip as they are found", () => {
    const seen: Array<SkippedEntry> = []
    const resources = parseResourceEvents(sampleRun, { onSkip: (entry) => seen.push(entry) })
    expect(resources).toHaveLength(3)
    expect(seen.map((s) => s.index)).toEqual([0, 2, 3, 6, 7])
  })
})

describe("parseResourceEventsEffect", () => {
  it.effect("logs skipped entries at debug and error level and takes the time from the Clock", () =>
    Effect.gen(function* () {
      const lines: Array<{ level: string; message: unknown; annotations: Record<string, unknown> }> = []
      const capture = Logger.make((options) => {
        lines.push({
          level: options.logLevel,
          message: options.message,
          annotations: { ...options.fiber.getRef(References.CurrentLogAnnotations) },
        })
      })
      yield* TestClock.setTime(Date.UTC(2031, 0, 1))
      const { timestamp: _, ...withoutTimestamp } = seedResourceCreated
      const result = yield* parseResourceEventsEffect([
        withoutTimestamp,
        sampleUnknownEvent,
        { event_type: "resource_deleted" },
      ]).pipe(Effect.provide(Logger.layer([capture])), Effect.provideService(References.MinimumLogLevel, "Debug"))
      expect(result.resources[0]?.createdAt).toEqual(at("2031-01-01T00:00:00Z"))
      expect(lines.map((l) => [l.level, l.annotations.index])).toEqual([
        ["Debug", 1],
        ["Error", 2],
      ])
      expect(String(lines[1]?.message)).toContain('"resource_id" is required but missing')
    }),
  )
})
