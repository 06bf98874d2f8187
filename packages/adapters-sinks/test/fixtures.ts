import { decodeAgentEvent, type JsonObject, ResourceRecord, type SinkRecord, sinkRecordKey } from "@haymaker/domain"
import { DateTime, Option, Result, Schema } from "effect"

export const VM_ID = "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1"
export const ENQUEUED = "2024-11-14T12:00:01.000Z"

const decodeResource = Schema.decodeUnknownSync(ResourceRecord)

/** A sequence number made from a message id, so that the tests' records with distinct ids have distinct keys. */
export const sequenceNumberOf = (messageId: string): bigint => {
  let hash = 0x811c9dc5
  for (let i = 0; i < messageId.length; i++) hash = Math.imul(hash ^ messageId.charCodeAt(i), 0x01000193) >>> 0
  return BigInt(hash)
}

const messageIdOfKey = new Map<string, string>()

/** The message ids of the records a failure names (by key), for assertions in terms of the tests' ids. */
export const failedIds = (error: { readonly failedKeys: ReadonlyArray<string> }): Array<string> =>
  error.failedKeys.map((key) => messageIdOfKey.get(key) ?? key)

/**
 * A SinkRecord as the worker builds it: the decoded event, the parsed Resource (if any), the raw object. Its sequence
 * number (and key) comes from the message id unless given.
 */
export const sinkRecord = (
  messageId: string,
  raw: JsonObject,
  resource?: JsonObject,
  sequenceNumber = sequenceNumberOf(messageId),
): SinkRecord => {
  const key = sinkRecordKey(sequenceNumber)
  messageIdOfKey.set(key, messageId)
  return {
    key,
    messageId,
    sequenceNumber,
    enqueuedTime: DateTime.makeUnsafe(ENQUEUED),
    event: Result.getOrThrow(decodeAgentEvent(raw)),
    resource: resource === undefined ? Option.none() : Option.some(decodeResource(resource)),
    raw,
  }
}

export const resourceCreated = (n = 1, resourceId = `${VM_ID}${n}`) => ({
  event_type: "resource_created",
  resource_id: resourceId,
  resource_type: "Microsoft.Compute/virtualMachines",
  resource_name: `vm1${n}`,
  scenario_name: "test-scenario",
  run_id: "run-123",
  timestamp: "2024-11-14T12:00:00Z",
  tags: { environment: "test", team: "haymaker" },
})

/** The seed's `model_dump` of the Resource parsed from {@link resourceCreated}. */
export const resourceDump = (n = 1, resourceId = `${VM_ID}${n}`) => ({
  resource_id: resourceId,
  resource_type: "Microsoft.Compute/virtualMachines",
  resource_name: `vm1${n}`,
  scenario_name: "test-scenario",
  run_id: "run-123",
  created_at: "2024-11-14T12:00:00.000Z",
  status: "created",
  deleted_at: null,
  deletion_attempts: 0,
  deletion_error: null,
  tags: { environment: "test", team: "haymaker" },
})

export const resourceMessage = (messageId: string, n = 1, resourceId?: string, sequenceNumber?: bigint): SinkRecord =>
  sinkRecord(messageId, resourceCreated(n, resourceId), resourceDump(n, resourceId), sequenceNumber)

/** The deletion of the resource of {@link resourceMessage}, at the same instant as its creation. */
export const resourceDeletedMessage = (messageId: string): SinkRecord =>
  sinkRecord(
    messageId,
    { ...resourceCreated(1), event_type: "resource_deleted" },
    { ...resourceDump(1), status: "deleted", deleted_at: "2024-11-14T12:00:00.000Z" },
  )

export const agentLog = (details: JsonObject = { step: 1 }) => ({
  event_type: "operation",
  timestamp: "2024-11-14T12:00:02.123456",
  scenario_name: "test-scenario",
  run_id: "run-123",
  agent_id: "agent-7",
  message: "created vm",
  severity: "info",
  details,
})

export const agentLogMessage = (messageId: string, details?: JsonObject, sequenceNumber?: bigint): SinkRecord =>
  sinkRecord(messageId, agentLog(details), undefined, sequenceNumber)

export const otherMessage = (messageId: string): SinkRecord =>
  sinkRecord(messageId, { event_type: "custom_metric", value: 3 })
