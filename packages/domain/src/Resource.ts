import { Effect, Schema } from "effect"
import { Tags } from "./events/ResourceEvent.ts"
import { NonNegativeInt } from "./NonNegativeInt.ts"

/** Lifecycle status of a resource, as the seed's `ResourceStatus` string values. */
export const ResourceStatus = Schema.Literals(["created", "exists", "deleted", "deletion_failed"])
export type ResourceStatus = typeof ResourceStatus.Type

/**
 * An Azure resource that a HayMaker agent created or deleted, as the seed's `Resource` model.
 *
 * Timestamps are `DateTime.Utc`. Defaults: `deletionAttempts` 0, `tags` {}; `deletedAt` and `deletionError` are
 * absent unless known. Serialise with {@link encodeResource} (the seed's `model_dump` shape).
 */
export class Resource extends Schema.Class<Resource>("@haymaker/domain/Resource")({
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
}) {}
