/**
 * The bench's baseline: the same work as `decodeMessageBody` + `resourceFromEvent`, written by hand without Effect.
 * Same JSON parsing, same checks, same timestamp parser, camelCase output, plain objects instead of Schema classes
 * and error values instead of Error instances (what a careful hand-written validator would do).
 */
import { parseIsoTimestamp } from "../src/Timestamp.ts"

type Outcome =
  | {
      readonly ok: true
      readonly event: Record<string, unknown>
      readonly resource: Record<string, unknown> | undefined
    }
  | { readonly ok: false; readonly reason: string; readonly path: string }

const resourceTypes: Record<string, string> = {
  resource_created: "created",
  resource_deleted: "deleted",
  resource_deletion_failed: "deletion_failed",
}
const logTypes = new Set(["agent_started", "operation", "cleanup_complete", "error"])
const requiredResource = ["resource_id", "resource_type", "resource_name", "scenario_name", "run_id"] as const
const requiredLog = ["scenario_name", "run_id", "agent_id", "message"] as const

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)
const fail = (reason: string, path = ""): Outcome => ({ ok: false, reason, path })

export const handwrittenDecode = (body: string, now: number): Outcome => {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return fail("InvalidJson")
  }
  if (!isObject(json)) return fail("NotAnObject")
  const type = json.event_type
  if (typeof type !== "string") return { ok: true, event: { kind: "unknown", raw: json }, resource: undefined }
  const status = resourceTypes[type]
  if (status !== undefined) {
    for (const key of requiredResource) if (typeof json[key] !== "string") return fail("SchemaViolation", key)
    let at = now
    if (json.timestamp != null) {
      if (typeof json.timestamp !== "string") return fail("SchemaViolation", "timestamp")
      const parsed = parseIsoTimestamp(json.timestamp)
      if (parsed === undefined) return fail("SchemaViolation", "timestamp")
      at = parsed
    }
    const tags = json.tags ?? {}
    if (!isObject(tags)) return fail("SchemaViolation", "tags")
    for (const key in tags) if (typeof tags[key] !== "string") return fail("SchemaViolation", `tags.${key}`)
    const attempts = json.deletion_attempts ?? 0
    if (typeof attempts !== "number" || !Number.isInteger(attempts) || attempts < 0)
      return fail("SchemaViolation", "deletion_attempts")
    const error = json.deletion_error
    if (error != null && typeof error !== "string") return fail("SchemaViolation", "deletion_error")
    const event = {
      kind: type,
      resourceId: json.resource_id,
      resourceType: json.resource_type,
      resourceName: json.resource_name,
      scenarioName: json.scenario_name,
      runId: json.run_id,
      timestamp: at,
      tags,
      deletionAttempts: attempts,
      deletionError: error ?? undefined,
    }
    const resource = {
      ...event,
      createdAt: at,
      status,
      deletedAt: type === "resource_deleted" ? at : undefined,
    }
    return { ok: true, event, resource }
  }
  if (logTypes.has(type)) {
    if (typeof json.timestamp !== "string" || parseIsoTimestamp(json.timestamp) === undefined)
      return fail("SchemaViolation", "timestamp")
    for (const key of requiredLog) if (typeof json[key] !== "string") return fail("SchemaViolation", key)
    if (json.severity !== "info" && json.severity !== "warning" && json.severity !== "error")
      return fail("SchemaViolation", "severity")
    if (!isObject(json.details)) return fail("SchemaViolation", "details")
    for (const key of ["resource_id", "resource_type"])
      if (json[key] != null && typeof json[key] !== "string") return fail("SchemaViolation", key)
    const event = {
      kind: type,
      timestamp: parseIsoTimestamp(json.timestamp),
      scenarioName: json.scenario_name,
      runId: json.run_id,
      agentId: json.agent_id,
      message: json.message,
      severity: json.severity,
      details: json.details,
      resourceId: json.resource_id ?? undefined,
      resourceType: json.resource_type ?? undefined,
    }
    return { ok: true, event, resource: undefined }
  }
  return { ok: true, event: { kind: "unknown", raw: json }, resource: undefined }
}
