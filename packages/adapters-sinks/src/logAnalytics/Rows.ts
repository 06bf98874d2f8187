import {
  type AgentLogEventJson,
  type DeadLetterRecord,
  encodeAgentEvent,
  encodeResource,
  formatTimestamp,
  type SinkRecord,
} from "@haymaker/domain"
import { Option } from "effect"
import type { AgentLogRow, DeadLetterRow, ResourceRow } from "./Streams.ts"

const AGENT_LOG_TAGS: ReadonlySet<string> = new Set(["AgentStarted", "AgentOperation", "CleanupComplete", "AgentError"])

/** The resources-stream row of a record carrying a Resource: its `model_dump` fields plus TimeGenerated, message_id,
 * sequence_number. */
export const resourceRow = (record: SinkRecord): ResourceRow | undefined => {
  if (Option.isNone(record.resource)) return undefined
  const resource = encodeResource(record.resource.value)
  return {
    TimeGenerated: resource.created_at,
    ...resource,
    message_id: record.messageId,
    sequence_number: record.key,
  }
}

/** The logs-stream row of an agent log event (agent_started, operation, cleanup_complete, error). */
export const agentLogRow = (record: SinkRecord): AgentLogRow | undefined => {
  if (!AGENT_LOG_TAGS.has(record.event._tag)) return undefined
  const event = encodeAgentEvent(record.event) as AgentLogEventJson
  return {
    TimeGenerated: event.timestamp,
    event_type: event.event_type,
    severity: event.severity,
    agent_id: event.agent_id,
    run_id: event.run_id,
    scenario_name: event.scenario_name,
    message: event.message,
    details: event.details,
    resource_id: event.resource_id ?? null,
    resource_type: event.resource_type ?? null,
    message_id: record.messageId,
    sequence_number: record.key,
  }
}

/** The dead-letters-stream row of a dead-lettered message. */
export const deadLetterRow = (record: DeadLetterRecord): DeadLetterRow => ({
  TimeGenerated: formatTimestamp(record.deadLetteredAt),
  reason: record.reason,
  description: record.description,
  message_id: record.messageId,
  sequence_number: record.key,
  delivery_count: record.deliveryCount,
  enqueued_time: formatTimestamp(record.enqueuedTime),
  event_type: record.eventType ?? null,
  run_id: record.runId ?? null,
  scenario_name: record.scenarioName ?? null,
  resource_id: record.resourceId ?? null,
})
