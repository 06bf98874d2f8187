import type { DateTime } from "effect"
import type { ResourceEvent } from "./events/ResourceEvent.ts"
import { Resource, type ResourceStatus } from "./Resource.ts"

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
  const resource = new Resource(
    {
      resourceId: event.resourceId,
      resourceType: event.resourceType,
      resourceName: event.resourceName,
      scenarioName: event.scenarioName,
      runId: event.runId,
      createdAt: at,
      status: statusOf[event._tag],
      ...(event._tag === "ResourceDeleted" ? { deletedAt: at } : {}),
      deletionAttempts: event.deletionAttempts ?? 0,
      ...(event.deletionError === undefined ? {} : { deletionError: event.deletionError }),
      tags: event.tags ?? {},
    },
    // The event passed the wire schema's checks (non-negative attempts, string tags): only the structure is re-checked.
    trusted,
  )
  return resource
}

const trusted = { disableChecks: true } as const
