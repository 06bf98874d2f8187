import { type DateTime, Effect, Schema } from "effect"
import { NonNegativeInt } from "./NonNegativeInt.ts"
import { Tags } from "./Tags.ts"

/** Lifecycle status of a resource, as the seed's `ResourceStatus` string values. */
export const ResourceStatus = Schema.Literals(["created", "exists", "deleted", "deletion_failed"])
export type ResourceStatus = typeof ResourceStatus.Type

/** What {@link Resource.make} takes: every field, with `deletionAttempts` (0) and `tags` ({}) optional. */
export interface ResourceInput {
  readonly resourceId: string
  readonly resourceType: string
  readonly resourceName: string
  readonly scenarioName: string
  readonly runId: string
  readonly createdAt: DateTime.Utc
  readonly status: ResourceStatus
  readonly deletedAt?: DateTime.Utc | undefined
  readonly deletionAttempts?: number | undefined
  readonly deletionError?: string | undefined
  readonly tags?: { readonly [key: string]: string } | undefined
}

type Mutable<A> = { -readonly [K in keyof A]: A[K] }

// One object literal with the required keys always in the same order, optional keys appended only when present:
// resources share a handful of hidden classes, so reading them stays monomorphic for the sinks and the ledger.
const build = (input: ResourceInput): Resource => {
  const resource: Mutable<Resource> = {
    resourceId: input.resourceId,
    resourceType: input.resourceType,
    resourceName: input.resourceName,
    scenarioName: input.scenarioName,
    runId: input.runId,
    createdAt: input.createdAt,
    status: input.status,
    deletionAttempts: input.deletionAttempts ?? 0,
    tags: input.tags ?? {},
  }
  if (input.deletedAt !== undefined) resource.deletedAt = input.deletedAt
  if (input.deletionError !== undefined) resource.deletionError = input.deletionError
  return resource as Resource
}

/**
 * Builds a `Resource` from fields that a schema already accepted (a decoded event, ledger observations): defaults
 * only, no checks at all. Internal to the package: everything else goes through {@link Resource.make}.
 */
export const resourceOfValidated: (input: ResourceInput) => Resource = build

const invalidAttempts = (attempts: number): boolean => !Number.isSafeInteger(attempts) || attempts < 0

/**
 * An Azure resource that a HayMaker agent created or deleted, as the seed's `Resource` model: a plain immutable
 * value (no class instance) and its Effect Schema (the domain form; {@link ResourceRecord} is the wire codec).
 *
 * Timestamps are `DateTime.Utc`. Defaults: `deletionAttempts` 0, `tags` {}; `deletedAt` and `deletionError` are
 * absent unless known. Serialise with {@link encodeResource} (the seed's `model_dump` shape).
 *
 * Build one with `Resource.make(fields)`. It does not run the schema's interpreter (a `Schema.Class` re-parses every
 * field even when told to skip checks); the types guarantee the field types, so it checks by hand only what they
 * cannot express: `deletionAttempts` is an integer >= 0 and tag values are strings. Untrusted input (an archive line, a row) is decoded with `ResourceRecord` or
 * `Schema.decodeUnknownSync(Resource)`, which validate everything.
 */
export class Resource extends Schema.Opaque<Resource>()(
  Schema.Struct({
    /** Full Azure resource id (`/subscriptions/…`); compared case-insensitively by the ledger. */
    resourceId: Schema.String,
    /** Azure resource type, e.g. `Microsoft.Compute/virtualMachines`. */
    resourceType: Schema.String,
    resourceName: Schema.String,
    scenarioName: Schema.String,
    runId: Schema.String,
    /** The event's timestamp, or the time of parsing when the event had none. */
    createdAt: Schema.DateTimeUtc,
    status: ResourceStatus,
    /** Set from the `resource_deleted` event's timestamp. */
    deletedAt: Schema.optionalKey(Schema.DateTimeUtc),
    deletionAttempts: NonNegativeInt.pipe(Schema.withConstructorDefault(Effect.succeed(0))),
    deletionError: Schema.optionalKey(Schema.String),
    tags: Tags.pipe(Schema.withConstructorDefault(Effect.succeed({}))),
  }),
) {
  /**
   * Builds a `Resource`, applying the defaults. Throws when `deletionAttempts` is not an integer >= 0 or a tag value
   * is not a string (both reachable only by bypassing the types).
   */
  static override make(input: ResourceInput): Resource {
    if (input.deletionAttempts !== undefined && invalidAttempts(input.deletionAttempts)) {
      throw new RangeError(`Resource deletionAttempts must be an integer >= 0, got ${input.deletionAttempts}`)
    }
    const tags = input.tags
    if (tags !== undefined) {
      for (const key in tags) {
        if (typeof tags[key] !== "string") {
          throw new TypeError(`Resource tag ${JSON.stringify(key)} must be a string, got ${typeof tags[key]}`)
        }
      }
    }
    return build(input)
  }
}
