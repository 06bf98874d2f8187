import {
  type DeadLetterRecord,
  encodeResource,
  eventTypeOf,
  formatTimestamp,
  isAgentLogEvent,
  type SinkRecord,
} from "@haymaker/domain"
import { Option } from "effect"
import type { AgentLogRow, DeadLetterRow, ResourceRow } from "./Streams.ts"

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
  const event = record.event
  if (!isAgentLogEvent(event)) return undefined
  return {
    TimeGenerated: formatTimestamp(event.timestamp),
    event_type: eventTypeOf(event),
    severity: event.severity,
    agent_id: event.agentId,
    run_id: event.runId,
    scenario_name: event.scenarioName,
    message: event.message,
    details: event.details,
    resource_id: event.resourceId ?? null,
    resource_type: event.resourceType ?? null,
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
