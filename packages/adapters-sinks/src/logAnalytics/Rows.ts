import { Predicate } from "effect"
import { AGENT_LOG_EVENT_TYPES, type SinkMessage } from "../SinkMessage.ts"
import { toIsoUtc } from "../Timestamps.ts"
import type { AgentLogRow, ResourceRow } from "./Streams.ts"

const stringOrNull = (value: unknown): string | null => (Predicate.isString(value) ? value : null)

const int32OrNull = (value: unknown): number | null =>
  Number.isInteger(value) && Math.abs(value as number) <= 2_147_483_647 ? (value as number) : null

/** The resources-stream row of a message carrying a parsed Resource, else undefined. */
export const resourceRow = (message: SinkMessage, now: () => string): ResourceRow | undefined => {
  const resource = message.resource
  if (resource === undefined) return undefined
  const createdAt = toIsoUtc(resource.created_at)
  return {
    TimeGenerated: createdAt ?? now(),
    resource_id: resource.resource_id,
    resource_type: resource.resource_type,
    resource_name: resource.resource_name,
    scenario_name: resource.scenario_name,
    run_id: resource.run_id,
    created_at: createdAt ?? null,
    status: resource.status,
    deletion_attempts: int32OrNull(resource.deletion_attempts),
    deletion_error: stringOrNull(resource.deletion_error),
    tags: resource.tags ?? {},
    message_id: message.messageId,
  }
}

/** The logs-stream row of an agent log event (agent_started, operation, cleanup_complete, error), else undefined. */
export const agentLogRow = (message: SinkMessage, now: () => string): AgentLogRow | undefined => {
  const body = message.body
  if (!Predicate.isObject(body) || Array.isArray(body)) return undefined
  const event = body as Record<string, unknown>
  const eventType = event.event_type
  if (!Predicate.isString(eventType) || !AGENT_LOG_EVENT_TYPES.has(eventType)) return undefined
  const details = event.details
  return {
    TimeGenerated: toIsoUtc(event.timestamp) ?? now(),
    event_type: eventType,
    severity: stringOrNull(event.severity),
    agent_id: stringOrNull(event.agent_id),
    run_id: stringOrNull(event.run_id),
    scenario_name: stringOrNull(event.scenario_name),
    message: stringOrNull(event.message),
    details: details === undefined ? null : details,
    resource_id: stringOrNull(event.resource_id),
    resource_type: stringOrNull(event.resource_type),
    message_id: message.messageId,
  }
}
