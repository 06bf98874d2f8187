/**
 * What the sinks write for one received message. The worker builds it from the received message, its decoded body
 * and (for resource events) the parsed Resource; `resource` is already in the seed's `model_dump` shape
 * (snake_case keys, ISO-8601 UTC timestamps, status as its string value).
 */
export interface SinkMessage {
  readonly messageId: string
  /** The decoded JSON body exactly as the agent sent it (snake_case wire shape). */
  readonly body: unknown
  readonly resource?: ResourceRecord | undefined
  readonly deliveryCount?: number | undefined
  readonly enqueuedTime?: Date | undefined
  readonly sequenceNumber?: bigint | number | string | undefined
}

/** The seed's `Resource.model_dump()` shape. */
export interface ResourceRecord {
  readonly resource_id: string
  readonly resource_type: string
  readonly resource_name: string
  readonly scenario_name: string
  readonly run_id: string
  readonly created_at: string
  readonly status: string
  readonly deletion_attempts?: number | null | undefined
  readonly deletion_error?: string | null | undefined
  readonly tags?: Readonly<Record<string, string>> | undefined
}

export const AGENT_LOG_EVENT_TYPES: ReadonlySet<string> = new Set([
  "agent_started",
  "operation",
  "cleanup_complete",
  "error",
])
