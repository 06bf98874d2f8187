import { Predicate, Result, Schema, type SchemaIssue, SchemaParser } from "effect"
import { describeJsonType, NotAnObject, SchemaViolation } from "../MessageDecodeError.ts"
import { withoutStackTrace } from "../withoutStackTrace.ts"
import {
  AgentError,
  type AgentLogEvent,
  type AgentLogEventJson,
  AgentOperation,
  AgentStarted,
  agentLogEventVariants,
  CleanupComplete,
  type JsonObject,
} from "./AgentLogEvent.ts"
import type { KnownEventType } from "./EventType.ts"
import { makeFirstViolation, type Violation } from "./firstViolation.ts"
import { formatIssue } from "./formatIssue.ts"
import {
  ResourceCreated,
  ResourceDeleted,
  ResourceDeletionFailed,
  type ResourceEvent,
  type ResourceEventJson,
  resourceEventVariants,
} from "./ResourceEvent.ts"
import { makeUnknownEvent, UnknownEvent } from "./UnknownEvent.ts"

/** Every event an agent can publish, in domain form. */
export type AgentEvent = ResourceEvent | AgentLogEvent | UnknownEvent

/** The JSON object of an event as it travels on the bus. */
export type AgentEventJson = ResourceEventJson | AgentLogEventJson | JsonObject

/**
 * Codec for the whole event vocabulary: wire JSON object <-> `AgentEvent`. Useful with the generic Schema API
 * (`Schema.encodeSync(AgentEvent)`); for decoding, {@link decodeAgentEvent} is faster and reports the failing field of
 * the event's own type instead of one failure per union member.
 */
export const AgentEvent = Schema.Union([
  ResourceCreated,
  ResourceDeleted,
  ResourceDeletionFailed,
  AgentStarted,
  AgentOperation,
  CleanupComplete,
  AgentError,
  UnknownEvent,
])

interface Variant {
  /** The fast path: the event for input of the common shape (no `null`s, valid timestamp), else `undefined`. */
  readonly decodeCommon: (input: unknown) => AgentEvent | undefined
  /** Compiled guard of the whole wire schema (a valid wire value needs no reconstruction to be read). */
  readonly isWire: (input: unknown) => boolean
  /** For invalid input only: the first field that is missing or invalid. */
  readonly firstViolation: (input: JsonObject) => Violation | undefined
  /** Detailed decoding of the whole object, when no single field explains the failure. */
  readonly decodeWire: (input: unknown) => Result.Result<unknown, SchemaIssue.Issue>
  readonly fromWire: (wire: never) => AgentEvent
  readonly toWire: (event: never) => AgentEventJson
}

const variant = (v: {
  readonly Wire: Schema.Decoder<unknown> & { readonly fields: Schema.Struct.Fields }
  readonly decodeCommon: (input: unknown) => AgentEvent | undefined
  readonly fromWire: (wire: never) => AgentEvent
  readonly toWire: (event: never) => AgentEventJson
}): Variant => ({
  decodeCommon: v.decodeCommon,
  isWire: SchemaParser.is(v.Wire),
  firstViolation: makeFirstViolation(v.Wire.fields),
  decodeWire: SchemaParser.decodeUnknownResult(v.Wire),
  fromWire: v.fromWire,
  toWire: v.toWire,
})

const byEventType: { readonly [K in KnownEventType]: Variant } = {
  resource_created: variant(resourceEventVariants.resource_created),
  resource_deleted: variant(resourceEventVariants.resource_deleted),
  resource_deletion_failed: variant(resourceEventVariants.resource_deletion_failed),
  agent_started: variant(agentLogEventVariants.agent_started),
  operation: variant(agentLogEventVariants.operation),
  cleanup_complete: variant(agentLogEventVariants.cleanup_complete),
  error: variant(agentLogEventVariants.error),
}

const byTag: { readonly [K in AgentEvent["_tag"]]?: Variant } = {
  ResourceCreated: byEventType.resource_created,
  ResourceDeleted: byEventType.resource_deleted,
  ResourceDeletionFailed: byEventType.resource_deletion_failed,
  AgentStarted: byEventType.agent_started,
  AgentOperation: byEventType.operation,
  CleanupComplete: byEventType.cleanup_complete,
  AgentError: byEventType.error,
}

// A Map: one hashed lookup per message, and no inherited keys to guard against.
const variantOf: ReadonlyMap<string, Variant> = new Map(Object.entries(byEventType))

/**
 * Decodes an already parsed JSON value into an `AgentEvent`.
 *
 * - not a JSON object: `NotAnObject`;
 * - `event_type` missing or not known: `UnknownEvent` (a valid message, kept raw);
 * - known `event_type` with a missing or wrongly typed field: `SchemaViolation` naming the wire field.
 *
 * Synchronous and exception-free: the hot path of the worker.
 */
export const decodeAgentEvent = (value: unknown): Result.Result<AgentEvent, NotAnObject | SchemaViolation> => {
  if (!Predicate.isObject(value)) {
    return Result.fail(withoutStackTrace(() => new NotAnObject({ actualType: describeJsonType(value) })))
  }
  const json = value as JsonObject
  const eventType = json.event_type
  const v = typeof eventType === "string" ? variantOf.get(eventType) : undefined
  if (v === undefined) return Result.succeed(makeUnknownEvent(json))
  const common = v.decodeCommon(json)
  if (common !== undefined) return Result.succeed(common)
  // The wire schemas have no transformations, so a value that passes the guard is its own decoded form; `fromWire`
  // reads only the schema's keys, so excess keys (which decoding would strip) are ignored as well.
  if (v.isWire(json)) return Result.succeed(v.fromWire(json as never))
  let violation = v.firstViolation(json)
  if (violation === undefined) {
    const wire = v.decodeWire(json)
    if (Result.isSuccess(wire)) return Result.succeed(v.fromWire(wire.success as never))
    violation = formatIssue(wire.failure, json)
  }
  const { path, problem } = violation
  return Result.fail(withoutStackTrace(() => new SchemaViolation({ eventType: eventType as string, path, problem })))
}

/** Encodes an event into its wire JSON object (snake_case, ISO-8601 UTC timestamps); `UnknownEvent` gives its raw object. */
export const encodeAgentEvent = (event: AgentEvent): AgentEventJson => {
  if (event._tag === "UnknownEvent") return event.raw
  const v = byTag[event._tag]
  // Every tag but UnknownEvent has a variant; the table is typed as partial only to index it by tag.
  return (v as Variant).toWire(event as never)
}
