import { Schema } from "effect"
import { JsonObject } from "../JsonObject.ts"
import { Timestamp } from "../Timestamp.ts"
import { optionalNullable } from "../wire/NullableField.ts"
import type { AgentLogEventType } from "./EventType.ts"
import { eventCodec } from "./eventCodec.ts"

export const Severity = Schema.Literals(["info", "warning", "error"])
export type Severity = typeof Severity.Type

/** The fields of an agent log event; `resource_id` and `resource_type` may also be `null`, read as absent. */
const fields = {
  timestamp: Timestamp,
  scenarioName: Schema.String,
  runId: Schema.String,
  agentId: Schema.String,
  message: Schema.String,
  severity: Severity,
  details: JsonObject,
  resourceId: optionalNullable(Schema.String),
  resourceType: optionalNullable(Schema.String),
}

/** Codec: wire JSON object (`agent_started`, snake_case) <-> `AgentStarted`. */
export const AgentStarted = eventCodec("AgentStarted", "agent_started", fields)
/** Codec: wire JSON object (`operation`, snake_case) <-> `AgentOperation`. */
export const AgentOperation = eventCodec("AgentOperation", "operation", fields)
/** Codec: wire JSON object (`cleanup_complete`, snake_case) <-> `CleanupComplete`. */
export const CleanupComplete = eventCodec("CleanupComplete", "cleanup_complete", fields)
/** Codec: wire JSON object (`error`, snake_case) <-> `AgentError`. */
export const AgentError = eventCodec("AgentError", "error", fields)

/** `agent_started`: an agent began a scenario run. */
export interface AgentStarted extends Schema.Schema.Type<typeof AgentStarted> {}
/** `operation`: an agent reports a step of its scenario. */
export interface AgentOperation extends Schema.Schema.Type<typeof AgentOperation> {}
/** `cleanup_complete`: an agent finished cleaning up its resources. */
export interface CleanupComplete extends Schema.Schema.Type<typeof CleanupComplete> {}
/** `error`: an agent reports an error. */
export interface AgentError extends Schema.Schema.Type<typeof AgentError> {}

export type AgentLogEvent = AgentStarted | AgentOperation | CleanupComplete | AgentError

/** Each agent log event type's codec. */
export const agentLogEventCodecs = {
  agent_started: AgentStarted,
  operation: AgentOperation,
  cleanup_complete: CleanupComplete,
  error: AgentError,
} as const

/** The JSON object of an agent log event as agents publish it. */
export type AgentLogEventJson<T extends AgentLogEventType = AgentLogEventType> =
  (typeof agentLogEventCodecs)[T]["Encoded"]

export const isAgentLogEvent = (event: { readonly _tag: string }): event is AgentLogEvent =>
  event._tag === "AgentStarted" ||
  event._tag === "AgentOperation" ||
  event._tag === "CleanupComplete" ||
  event._tag === "AgentError"
