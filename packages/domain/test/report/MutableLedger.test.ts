import { describe, expect, it } from "@effect/vitest"
import { DateTime } from "effect"
import * as fc from "fast-check"
import { encodeResource, parseResourceEvents, type Resource, ResourceLedger } from "../../src/index.ts"
import { atDistinctTimes } from "../arbitraries.ts"

const byJson = (a: unknown, b: unknown) => {
  const ja = JSON.stringify(a)
  const jb = JSON.stringify(b)
  return ja < jb ? -1 : ja > jb ? 1 : 0
}

const observations = atDistinctTimes(
  fc.record({
    type: fc.constantFrom("resource_created", "resource_deleted", "resource_deletion_failed"),
    resource: fc.constantFrom("/subs/a", "/subs/A", "/subs/b", "/subs/c", "/subs/d"),
    run: fc.constantFrom("run-1", "run-2", "run-3"),
    scenario: fc.constantFrom("s1", "s2"),
    attempts: fc.nat({ max: 5 }),
    error: fc.option(fc.constantFrom("locked", "in use"), { nil: undefined }),
    tags: fc.option(fc.constantFrom({ env: "x" }, { team: "y" }), { nil: undefined }),
  }),
  30,
  100_000,
).map((shapes) =>
  parseResourceEvents(
    shapes.map((shape) => ({
      event_type: shape.type,
      resource_id: shape.resource,
      resource_type: "t",
      resource_name: shape.resource.slice(-1),
      scenario_name: shape.scenario,
      run_id: shape.run,
      timestamp: shape.timestamp,
      deletion_attempts: shape.attempts,
      ...(shape.error === undefined ? {} : { deletion_error: shape.error }),
      ...(shape.tags === undefined ? {} : { tags: shape.tags }),
    })),
  ),
)

describe("ResourceLedger.makeMutable", () => {
  it("gives the persistent ledger's states: live resources whole, deleted ones as their run and deletion time", () => {
    fc.assert(
      fc.property(observations, fc.boolean(), (resources: Array<Resource>, twice) => {
        const input = twice ? [...resources, ...[...resources].reverse()] : resources
        const expected = ResourceLedger.resources(ResourceLedger.fromResources(input))
        const mutable = ResourceLedger.makeMutable()
        for (const resource of input) mutable.add(resource)

        expect([...mutable.live()].map(encodeResource).sort(byJson)).toEqual(
          expected
            .filter((r) => r.status !== "deleted")
            .map(encodeResource)
            .sort(byJson),
        )
        expect([...mutable.deleted()].sort(byJson)).toEqual(
          expected
            .filter((r) => r.status === "deleted")
            .map((r) => ({
              runId: r.runId,
              scenarioName: r.scenarioName,
              deletedAt: DateTime.toEpochMillis(r.deletedAt ?? r.createdAt),
            }))
            .sort(byJson),
        )
        expect(mutable.size()).toBe(expected.length)
      }),
      { numRuns: 500 },
    )
  })
})
