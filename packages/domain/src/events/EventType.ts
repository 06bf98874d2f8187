/** The wire `event_type` values that become `Resource` records, in the seed's vocabulary. */
export const resourceEventTypes = ["resource_created", "resource_deleted", "resource_deletion_failed"] as const
export type ResourceEventType = (typeof resourceEventTypes)[number]

/** The wire `event_type` values of agent log events (this package's README, "Wire schema"). */
export const agentLogEventTypes = ["agent_started", "operation", "cleanup_complete", "error"] as const
export type AgentLogEventType = (typeof agentLogEventTypes)[number]

/** Every `event_type` this package decodes into a typed event; anything else becomes an `UnknownEvent`. */
export const knownEventTypes: ReadonlyArray<ResourceEventType | AgentLogEventType> = [
  ...resourceEventTypes,
  ...agentLogEventTypes,
]
export type KnownEventType = ResourceEventType | AgentLogEventType

const known: ReadonlySet<string> = new Set(knownEventTypes)

export const isKnownEventType = (value: unknown): value is KnownEventType =>
  typeof value === "string" && known.has(value)

const resource: ReadonlySet<string> = new Set(resourceEventTypes)

export const isResourceEventType = (value: unknown): value is ResourceEventType =>
  typeof value === "string" && resource.has(value)
