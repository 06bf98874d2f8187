/**
 * The one source of truth for the Log Analytics custom tables and the data collection rule's stream declarations:
 * the row builders, the ARM template in `infra/` (generated from this file and checked by a test) and the local
 * Logs Ingestion server in the tests all read these columns.
 */

export type StreamColumnType = "string" | "int" | "long" | "real" | "boolean" | "datetime" | "dynamic"

export interface StreamColumn {
  readonly name: string
  readonly type: StreamColumnType
  readonly description: string
}

export interface StreamDefinition {
  /** Input stream of the data collection rule (`Custom-…`), the name uploads use. */
  readonly stream: string
  /** Custom table the rule writes to (`…_CL`). */
  readonly table: string
  readonly description: string
  readonly columns: ReadonlyArray<StreamColumn>
}

/** The message a row came from, at the end of the events' rows. */
const messageColumns = [
  { name: "message_id", type: "string", description: "Service Bus message id, as the publisher set it (not unique)" },
  {
    name: "sequence_number",
    type: "string",
    description: "Service Bus sequence number of the message: remove duplicates (redeliveries) by it at query time",
  },
] as const

/** Resource lifecycle events: one row per parsed Resource, in the seed's `model_dump` shape. */
export const ResourcesStream = {
  stream: "Custom-HayMakerResources",
  table: "HayMakerResources_CL",
  description: "Azure HayMaker resource lifecycle events (one row per parsed Resource)",
  columns: [
    { name: "TimeGenerated", type: "datetime", description: "Event timestamp (the Resource's created_at)" },
    { name: "resource_id", type: "string", description: "Full Azure resource id" },
    {
      name: "resource_type",
      type: "string",
      description: "Azure resource type, e.g. Microsoft.Compute/virtualMachines",
    },
    { name: "resource_name", type: "string", description: "Resource name" },
    { name: "scenario_name", type: "string", description: "Scenario that created the resource" },
    { name: "run_id", type: "string", description: "Execution run identifier" },
    { name: "created_at", type: "datetime", description: "Timestamp of the event (ISO-8601 UTC)" },
    { name: "status", type: "string", description: "created | exists | deleted | deletion_failed" },
    { name: "deleted_at", type: "datetime", description: "Timestamp of the deletion, when known" },
    { name: "deletion_attempts", type: "int", description: "Deletion attempts (0 unless reported)" },
    { name: "deletion_error", type: "string", description: "Deletion error, when reported" },
    { name: "tags", type: "dynamic", description: "Resource tags" },
    ...messageColumns,
  ],
} as const satisfies StreamDefinition

/** Agent log events (agent_started, operation, cleanup_complete, error). */
export const AgentLogsStream = {
  stream: "Custom-HayMakerAgentLogs",
  table: "HayMakerAgentLogs_CL",
  description: "Azure HayMaker agent log events",
  columns: [
    { name: "TimeGenerated", type: "datetime", description: "Event timestamp" },
    { name: "event_type", type: "string", description: "agent_started | operation | cleanup_complete | error" },
    { name: "severity", type: "string", description: "info | warning | error" },
    { name: "agent_id", type: "string", description: "Agent that logged the event" },
    { name: "run_id", type: "string", description: "Execution run identifier" },
    { name: "scenario_name", type: "string", description: "Scenario the agent runs" },
    { name: "message", type: "string", description: "Log message" },
    { name: "details", type: "dynamic", description: "Structured details" },
    { name: "resource_id", type: "string", description: "Resource the event concerns, when given" },
    { name: "resource_type", type: "string", description: "Type of that resource, when given" },
    ...messageColumns,
  ],
} as const satisfies StreamDefinition

/** Messages the worker dead-lettered, with their reason: the dead-letter queue's story over time. */
export const DeadLettersStream = {
  stream: "Custom-HayMakerDeadLetters",
  table: "HayMakerDeadLetters_CL",
  description: "Azure HayMaker messages the worker dead-lettered, with the reason",
  columns: [
    { name: "TimeGenerated", type: "datetime", description: "When the worker dead-lettered the message" },
    {
      name: "reason",
      type: "string",
      description: "Dead-letter reason: InvalidJson, SchemaViolation, SinkRejected, …",
    },
    { name: "description", type: "string", description: "What is wrong with the message" },
    { name: "message_id", type: "string", description: "Service Bus message id, as the publisher set it (not unique)" },
    { name: "sequence_number", type: "string", description: "Service Bus sequence number of the message" },
    { name: "delivery_count", type: "int", description: "Deliveries of the message, this one included" },
    { name: "enqueued_time", type: "datetime", description: "When the message was enqueued" },
    { name: "event_type", type: "string", description: "The event's event_type, when the body could be read that far" },
    { name: "run_id", type: "string", description: "The event's run, when known" },
    { name: "scenario_name", type: "string", description: "The event's scenario, when known" },
    { name: "resource_id", type: "string", description: "The resource the event concerns, when known" },
  ],
} as const satisfies StreamDefinition

export const Streams: ReadonlyArray<StreamDefinition> = [ResourcesStream, AgentLogsStream, DeadLettersStream]

type ColumnName<S extends StreamDefinition> = S["columns"][number]["name"]

/** A row of the resources stream: every declared column (null when the event has no value). */
export type ResourceRow = Record<ColumnName<typeof ResourcesStream>, unknown>
export type AgentLogRow = Record<ColumnName<typeof AgentLogsStream>, unknown>
export type DeadLetterRow = Record<ColumnName<typeof DeadLettersStream>, unknown>

/** The DCR `streamDeclarations` object for these streams (also what the local ingestion server validates against). */
export const streamDeclarations = (
  streams: ReadonlyArray<StreamDefinition> = Streams,
): Record<string, { columns: Array<{ name: string; type: StreamColumnType }> }> =>
  Object.fromEntries(
    streams.map((definition) => [
      definition.stream,
      { columns: definition.columns.map(({ name, type }) => ({ name, type })) },
    ]),
  )
