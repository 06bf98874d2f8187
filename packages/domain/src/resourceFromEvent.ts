import type { DateTime } from "effect"
import type { ResourceEvent } from "./events/ResourceEvent.ts"
import { type Resource, type ResourceStatus, resourceOfValidated } from "./Resource.ts"

const statusOf: { readonly [K in ResourceEvent["_tag"]]: ResourceStatus } = {
  ResourceCreated: "created",
  ResourceDeleted: "deleted",
  ResourceDeletionFailed: "deletion_failed",
}

/**
 * The `Resource` a resource event describes, with the seed's rules: `createdAt` is the event's timestamp or `now` when
 * it has none; a `resource_deleted` event also sets `deletedAt` to that time; attempts default to 0, tags to {}.
 */
export const resourceFromEvent = (event: ResourceEvent, now: DateTime.Utc): Resource => {
  const at = event.timestamp ?? now
  // The event passed the wire schema (non-negative integer attempts, string tags): nothing left to check.
  return resourceOfValidated({
    resourceId: event.resourceId,
    resourceType: event.resourceType,
    resourceName: event.resourceName,
    scenarioName: event.scenarioName,
    runId: event.runId,
    createdAt: at,
    status: statusOf[event._tag],
    deletedAt: event._tag === "ResourceDeleted" ? at : undefined,
    deletionAttempts: event.deletionAttempts,
    deletionError: event.deletionError,
    tags: event.tags,
  })
}
