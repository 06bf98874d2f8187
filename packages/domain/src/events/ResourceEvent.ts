import { Schema } from "effect"
import { NonNegativeInt } from "../NonNegativeInt.ts"
import { Tags } from "../Tags.ts"
import { Timestamp } from "../Timestamp.ts"
import { optionalNullable } from "../wire/NullableField.ts"
import type { ResourceEventType } from "./EventType.ts"
import { eventCodec } from "./eventCodec.ts"

/**
 * The fields of a resource lifecycle event, on the wire snake_case exactly as the seed's "Event Schema". Optional
 * fields may also be `null` (Python's `None`), read as absent.
 */
const fields = {
  /** Full Azure resource id (`/subscriptions/…`). */
  resourceId: Schema.String,
  resourceType: Schema.String,
  resourceName: Schema.String,
  scenarioName: Schema.String,
  runId: Schema.String,
  /** When the agent observed the change; absent when the agent sent none. */
  timestamp: optionalNullable(Timestamp),
  tags: optionalNullable(Tags),
  deletionError: optionalNullable(Schema.String),
  deletionAttempts: optionalNullable(NonNegativeInt),
}

/** Codec: wire JSON object (`resource_created`, snake_case) <-> `ResourceCreated`. */
export const ResourceCreated = eventCodec("ResourceCreated", "resource_created", fields)
/** Codec: wire JSON object (`resource_deleted`, snake_case) <-> `ResourceDeleted`. */
export const ResourceDeleted = eventCodec("ResourceDeleted", "resource_deleted", fields)
/** Codec: wire JSON object (`resource_deletion_failed`, snake_case) <-> `ResourceDeletionFailed`. */
export const ResourceDeletionFailed = eventCodec("ResourceDeletionFailed", "resource_deletion_failed", fields)

/** `resource_created`: an agent created a resource. */
export interface ResourceCreated extends Schema.Schema.Type<typeof ResourceCreated> {}
/** `resource_deleted`: an agent deleted a resource. */
export interface ResourceDeleted extends Schema.Schema.Type<typeof ResourceDeleted> {}
/** `resource_deletion_failed`: an agent tried to delete a resource and failed (`deletionError`, `deletionAttempts`). */
export interface ResourceDeletionFailed extends Schema.Schema.Type<typeof ResourceDeletionFailed> {}

export type ResourceEvent = ResourceCreated | ResourceDeleted | ResourceDeletionFailed

/** Each resource event type's codec. */
export const resourceEventCodecs = {
  resource_created: ResourceCreated,
  resource_deleted: ResourceDeleted,
  resource_deletion_failed: ResourceDeletionFailed,
} as const

/** The JSON object of a resource event as agents publish it. */
export type ResourceEventJson<T extends ResourceEventType = ResourceEventType> =
  (typeof resourceEventCodecs)[T]["Encoded"]

export const isResourceEvent = (event: { readonly _tag: string }): event is ResourceEvent =>
  event._tag === "ResourceCreated" || event._tag === "ResourceDeleted" || event._tag === "ResourceDeletionFailed"
