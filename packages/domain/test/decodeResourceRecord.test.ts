import { describe, expect, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import * as fc from "fast-check"
import { decodeResourceRecord, encodeResource, parseResourceEvents, ResourceRecord } from "../src/index.ts"
import { anyIsoTimestamp, resourceEventJson } from "./arbitraries.ts"

const slow = Schema.decodeUnknownResult(ResourceRecord)

/** Records as the sinks write them, and variations of every field (wrong types, nulls, missing keys, bad times). */
const recordLike = resourceEventJson
  .map((event) => parseResourceEvents([event])[0])
  .filter((resource) => resource !== undefined)
  .map((resource) => encodeResource(resource) as unknown as Record<string, unknown>)
  .chain((record) =>
    fc.oneof(
      fc.constant(record),
      fc
        .tuple(
          fc.constantFrom(...Object.keys(record), "extra"),
          fc.oneof(
            fc.constant(undefined),
            fc.constant(null),
            fc.integer({ min: -2, max: 3 }),
            fc.double(),
            anyIsoTimestamp,
            fc.string(),
            fc.constantFrom("created", "exists", "deleted", "deletion_failed", "gone"),
            fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer()), { maxKeys: 2, noNullPrototype: true }),
          ),
        )
        .map(([key, value]) => {
          const changed = { ...record }
          if (value === undefined) delete changed[key]
          else changed[key] = value
          return changed
        }),
    ),
  )

describe("decodeResourceRecord", () => {
  it("decodes what the ResourceRecord codec decodes, to the same Resource, and rejects what it rejects", () => {
    fc.assert(
      fc.property(recordLike, (input) => {
        const fast = decodeResourceRecord(input)
        const reference = slow(input)
        expect(Result.isSuccess(fast)).toBe(Result.isSuccess(reference))
        if (Result.isSuccess(fast) && Result.isSuccess(reference)) {
          expect(encodeResource(fast.success)).toEqual(encodeResource(reference.success))
        }
      }),
      { numRuns: 2_000 },
    )
  })

  it("names the field that is wrong", () => {
    const failure = decodeResourceRecord({ resource_id: "/x", status: "created" })
    expect(Result.isFailure(failure) && failure.failure).toMatch(/^resource_type is required but missing/)
    const badTime = decodeResourceRecord({
      resource_id: "/x",
      resource_type: "t",
      resource_name: "n",
      scenario_name: "s",
      run_id: "r",
      created_at: "yesterday",
      status: "created",
    })
    expect(Result.isFailure(badTime) && badTime.failure).toMatch(/^created_at is invalid: .*ISO-8601/)
  })
})
