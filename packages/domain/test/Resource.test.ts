import { describe, expect, it } from "@effect/vitest"
import { DateTime, Schema } from "effect"
import { seedResourceDeleted, seedResourceDeletionFailed } from "../src/fixtures/sampleEvents.ts"
import { encodeResource, parseResourceEvents, Resource, ResourceRecord } from "../src/index.ts"

const base = {
  resourceId: "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1",
  resourceType: "Microsoft.Compute/virtualMachines",
  resourceName: "vm1",
  scenarioName: "test-scenario",
  runId: "run-123",
  createdAt: DateTime.makeUnsafe("2024-11-14T12:00:00Z"),
  status: "created",
} as const

describe("Resource", () => {
  it("defaults deletionAttempts to 0 and tags to {}, and leaves deletedAt and deletionError absent", () => {
    const resource = Resource.make(base)
    expect(resource.deletionAttempts).toBe(0)
    expect(resource.tags).toEqual({})
    expect("deletedAt" in resource).toBe(false)
    expect("deletionError" in resource).toBe(false)
  })

  it("rejects negative or fractional deletion attempts and non-string tag values", () => {
    expect(() => Resource.make({ ...base, deletionAttempts: -1 })).toThrow("deletionAttempts must be an integer >= 0")
    expect(() => Resource.make({ ...base, deletionAttempts: 1.5 })).toThrow("deletionAttempts must be an integer >= 0")
    expect(() => Resource.make({ ...base, tags: { a: 1 as unknown as string } })).toThrow('tag "a" must be a string')
  })

  it("is a plain value that the schema validates as untrusted input", () => {
    const resource = Resource.make({ ...base, tags: { env: "test" } })
    expect(Object.getPrototypeOf(resource)).toBe(Object.prototype)
    expect(Schema.is(Resource)(resource)).toBe(true)
    expect(Schema.decodeUnknownSync(Resource)(resource)).toEqual(resource)
    expect(() => Schema.decodeUnknownSync(Resource)({ ...resource, deletionAttempts: -1 })).toThrow()
    expect(() => Schema.decodeUnknownSync(Resource)({ ...resource, tags: { env: 1 } })).toThrow()
    expect(() => Schema.decodeUnknownSync(Resource)({ ...resource, createdAt: "2024-11-14T12:00:00Z" })).toThrow()
  })

  it("encodes to the seed's model_dump shape", () => {
    expect(encodeResource(Resource.make(base))).toEqual({
      resource_id: base.resourceId,
      resource_type: "Microsoft.Compute/virtualMachines",
      resource_name: "vm1",
      scenario_name: "test-scenario",
      run_id: "run-123",
      created_at: "2024-11-14T12:00:00.000Z",
      status: "created",
      deleted_at: null,
      deletion_attempts: 0,
      deletion_error: null,
      tags: {},
    })
  })

  it("encodes deletion details of parsed events", () => {
    const [deleted, failed] = parseResourceEvents([seedResourceDeleted, seedResourceDeletionFailed])
    expect(deleted && encodeResource(deleted)).toMatchObject({
      status: "deleted",
      created_at: "2024-11-14T12:01:00.000Z",
      deleted_at: "2024-11-14T12:01:00.000Z",
    })
    expect(failed && encodeResource(failed)).toMatchObject({
      status: "deletion_failed",
      deletion_attempts: 3,
      deletion_error: "Resource is locked or has active dependencies",
    })
  })

  it("ResourceRecord encodes like encodeResource and decodes its output back", () => {
    const resource = Resource.make({
      ...base,
      status: "deleted",
      deletedAt: DateTime.makeUnsafe("2024-11-14T12:05:00.250Z"),
      deletionAttempts: 2,
      deletionError: "locked",
      tags: { env: "test" },
    })
    const json = Schema.encodeSync(ResourceRecord)(resource)
    expect(json).toEqual(encodeResource(resource))
    const back = Schema.decodeUnknownSync(ResourceRecord)(JSON.parse(JSON.stringify(json)))
    expect(Schema.is(Resource)(back)).toBe(true)
    expect(encodeResource(back)).toEqual(json)
  })

  it("ResourceRecord reads rows that omit the null fields", () => {
    const back = Schema.decodeUnknownSync(ResourceRecord)({
      resource_id: "r",
      resource_type: "t",
      resource_name: "n",
      scenario_name: "s",
      run_id: "run",
      created_at: "2024-11-14T12:00:00Z",
      status: "exists",
    })
    expect(back).toMatchObject({ status: "exists", deletionAttempts: 0, tags: {} })
  })
})
