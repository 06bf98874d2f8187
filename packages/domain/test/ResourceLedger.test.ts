import { describe, expect, it } from "@effect/vitest"
import { DateTime, Option } from "effect"
import * as fc from "fast-check"
import { seedEventSchemaExamples, seedResourceCreated } from "../src/fixtures/sampleEvents.ts"
import { encodeResource, parseResourceEvents, ResourceLedger } from "../src/index.ts"

const { tags: _, ...untagged } = seedResourceCreated
const id = untagged.resource_id
const event = (eventType: string, timestamp: string, extra: Record<string, unknown> = {}) => ({
  ...untagged,
  event_type: eventType,
  timestamp,
  ...extra,
})
const ledgerOf = (events: ReadonlyArray<unknown>) => ResourceLedger.fromResources(parseResourceEvents(events))
const stateOf = (events: ReadonlyArray<unknown>, resourceId = id) =>
  Option.getOrUndefined(ResourceLedger.get(ledgerOf(events), resourceId))

describe("ResourceLedger", () => {
  it("keys resources by id case-insensitively", () => {
    const ledger = ledgerOf([
      event("resource_created", "2024-11-14T12:00:00Z"),
      event("resource_deleted", "2024-11-14T12:05:00Z", { resource_id: id.toUpperCase() }),
    ])
    expect(ResourceLedger.size(ledger)).toBe(1)
    expect(Option.getOrUndefined(ResourceLedger.get(ledger, id.toLowerCase()))?.status).toBe("deleted")
  })

  it("lets the newer timestamp win whatever the delivery order", () => {
    const created = event("resource_created", "2024-11-14T12:00:00Z")
    const failed = event("resource_deletion_failed", "2024-11-14T12:02:00Z", {
      deletion_attempts: 2,
      deletion_error: "locked",
    })
    expect(stateOf([created, failed])?.status).toBe("deletion_failed")
    expect(stateOf([failed, created])?.status).toBe("deletion_failed")
  })

  it("never resurrects a deleted resource with a late resource_created, even a newer one", () => {
    const created = event("resource_created", "2024-11-14T12:00:00Z")
    const deleted = event("resource_deleted", "2024-11-14T12:05:00Z")
    const lateCreated = event("resource_created", "2024-11-14T12:10:00Z")
    const state = stateOf([created, deleted, lateCreated])
    expect(state?.status).toBe("deleted")
    expect(state?.deletedAt).toEqual(DateTime.makeUnsafe("2024-11-14T12:05:00Z"))
  })

  it("ignores duplicates", () => {
    const events = [...seedEventSchemaExamples]
    const once = ResourceLedger.resources(ledgerOf(events)).map(encodeResource)
    const thrice = ResourceLedger.resources(ledgerOf([...events, ...events, ...events])).map(encodeResource)
    expect(thrice).toEqual(once)
  })

  it("merges what each event knows: first creation, tags, highest attempts, latest error", () => {
    const state = stateOf([
      event("resource_deletion_failed", "2024-11-14T12:03:00Z", {
        deletion_attempts: 3,
        deletion_error: "still locked",
      }),
      event("resource_created", "2024-11-14T12:00:00Z", { tags: { env: "test" } }),
      event("resource_deletion_failed", "2024-11-14T12:02:00Z", { deletion_attempts: 1, deletion_error: "locked" }),
    ])
    expect(state && encodeResource(state)).toMatchObject({
      created_at: "2024-11-14T12:00:00.000Z",
      status: "deletion_failed",
      deletion_attempts: 3,
      deletion_error: "still locked",
      tags: { env: "test" },
    })
  })

  it("reports a run: present, deleted, and failed deletions with attempts and error", () => {
    const ledger = ledgerOf([
      ...seedEventSchemaExamples,
      event("resource_created", "2024-11-14T12:00:00Z", {
        resource_id: "/subscriptions/sub1/x/kv1",
        resource_name: "kv1",
      }),
      event("resource_created", "2024-11-14T12:00:00Z", { resource_id: "/other", run_id: "run-999" }),
    ])
    const report = ResourceLedger.report(ledger, "run-123")
    expect(report.runId).toBe("run-123")
    expect(report.present.map((r) => r.resourceName)).toEqual(["kv1"])
    expect(report.deleted.map((r) => r.resourceName)).toEqual(["storage1"])
    expect(report.deletionFailed.map((f) => [f.resource.resourceName, f.attempts, f.error])).toEqual([
      ["vm1", 3, "Resource is locked or has active dependencies"],
    ])
    expect(ResourceLedger.reports(ledger).map((r) => r.runId)).toEqual(["run-123", "run-999"])
  })

  it("ends in the same state for every permutation of events with distinct timestamps", () => {
    const statuses = ["resource_created", "resource_deleted", "resource_deletion_failed"] as const
    const anEvent = fc.record({
      type: fc.constantFrom(...statuses),
      resource: fc.constantFrom("/subs/a", "/subs/A", "/subs/b", "/subs/c"),
      name: fc.constantFrom("a", "b"),
      attempts: fc.nat({ max: 5 }),
      error: fc.option(fc.constantFrom("locked", "in use"), { nil: undefined }),
      tags: fc.option(
        fc.dictionary(fc.constantFrom("env", "team"), fc.constantFrom("x", "y"), { noNullPrototype: true }),
        { nil: undefined },
      ),
    })
    fc.assert(
      fc.property(
        fc
          .uniqueArray(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 12 })
          .chain((seconds) =>
            fc.tuple(fc.array(anEvent, { minLength: seconds.length, maxLength: seconds.length }), fc.constant(seconds)),
          ),
        fc.infiniteStream(fc.nat()),
        ([shapes, seconds], randomness) => {
          const events = shapes.map((shape, i) => ({
            event_type: shape.type,
            resource_id: shape.resource,
            resource_type: "t",
            resource_name: shape.name,
            scenario_name: "s",
            run_id: "run",
            timestamp: new Date(Date.UTC(2024, 0, 1) + (seconds[i] ?? 0) * 1000).toISOString(),
            deletion_attempts: shape.attempts,
            ...(shape.error === undefined ? {} : { deletion_error: shape.error }),
            ...(shape.tags === undefined ? {} : { tags: shape.tags }),
          }))
          const expected = ResourceLedger.resources(ledgerOf(events)).map(encodeResource)
          const shuffled = [...events]
          const rolls = randomness[Symbol.iterator]()
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = (rolls.next().value as number) % (i + 1)
            ;[shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]] as [
              (typeof events)[number],
              (typeof events)[number],
            ]
          }
          expect(ResourceLedger.resources(ledgerOf(shuffled)).map(encodeResource)).toEqual(expected)
        },
      ),
      { numRuns: 300 },
    )
  })
})
