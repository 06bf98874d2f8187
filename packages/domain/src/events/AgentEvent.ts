import { type DateTime, Predicate, Result, Schema, type SchemaIssue, SchemaParser } from "effect"
import { SchemaJITCompiler } from "effect/schema"
import type { JsonObject } from "../JsonObject.ts"
import { describeJsonType, NotAnObject, SchemaViolation } from "../MessageDecodeError.ts"
import { parseTimestamp } from "../Timestamp.ts"
import { makeFastDecode, makeFastEncode, type StructCodec } from "../wire/FastCodec.ts"
import { withoutStackTrace } from "../withoutStackTrace.ts"
import {
  AgentError,
  type AgentLogEvent,
  type AgentLogEventJson,
  AgentOperation,
  AgentStarted,
  agentLogEventCodecs,
  CleanupComplete,
} from "./AgentLogEvent.ts"
import type { KnownEventType } from "./EventType.ts"
import { formatIssue } from "./formatIssue.ts"
import {
  ResourceCreated,
  ResourceDeleted,
  ResourceDeletionFailed,
  type ResourceEvent,
  type ResourceEventJson,
  resourceEventCodecs,
} from "./ResourceEvent.ts"
import { makeUnknownEvent, UnknownEvent } from "./UnknownEvent.ts"

/** Every event an agent can publish, in domain form. */
export type AgentEvent = ResourceEvent | AgentLogEvent | UnknownEvent

/** The JSON object of an event as it travels on the bus. */
export type AgentEventJson = ResourceEventJson | AgentLogEventJson | JsonObject

/**
 * Codec for the whole event vocabulary: wire JSON object <-> `AgentEvent`. {@link decodeAgentEvent} gives the same
 * events faster, and reports the failing field of the event's own type instead of one failure per union member.
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

const codecs = { ...resourceEventCodecs, ...agentLogEventCodecs }
type KnownEvent = Exclude<AgentEvent, UnknownEvent>

interface Variant {
  /** The common case: the event, or `undefined` to ask the codec. */
  readonly fast: (input: unknown) => KnownEvent | undefined
  /** Decoding of the wire struct alone: what explains a failure. */
  readonly check: (input: unknown) => Result.Result<unknown, SchemaIssue.Issue>
  /** The codec's own decoding. */
  readonly decode: (input: unknown) => Result.Result<KnownEvent, SchemaIssue.Issue>
  readonly encode: (event: KnownEvent) => ResourceEventJson | AgentLogEventJson
  readonly eventType: KnownEventType
}

const variants = Object.entries(codecs).map(([eventType, codec]): readonly [string, Variant] => {
  SchemaJITCompiler.enable(codec.from.ast)
  const generic = codec as unknown as Schema.Codec<KnownEvent, ResourceEventJson | AgentLogEventJson>
  return [
    codec.to.fields._tag.to.literal,
    {
      fast: makeFastDecode(codec as StructCodec<KnownEvent>),
      check: SchemaParser.decodeUnknownResult(codec.from),
      decode: SchemaParser.decodeUnknownResult(generic),
      encode: makeFastEncode(codec as StructCodec<KnownEvent, ResourceEventJson | AgentLogEventJson>),
      eventType: eventType as KnownEventType,
    },
  ]
})
const byTag: ReadonlyMap<string, Variant> = new Map(variants)
// A Map: one hashed lookup per message, and no inherited keys to guard against.
const byEventType: ReadonlyMap<string, Variant> = new Map(variants.map(([, v]) => [v.eventType, v]))

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
  const v = typeof eventType === "string" ? byEventType.get(eventType) : undefined
  if (v === undefined) return Result.succeed(makeUnknownEvent(json))
  const fast = v.fast(json)
  if (fast !== undefined) return Result.succeed(fast)
  const checked = v.check(json)
  const decoded = Result.isSuccess(checked) ? v.decode(json) : checked
  if (Result.isSuccess(decoded)) return Result.succeed(decoded.success as KnownEvent)
  const { path, problem } = formatIssue(decoded.failure, json)
  return Result.fail(withoutStackTrace(() => new SchemaViolation({ eventType: eventType as string, path, problem })))
}

/**
 * Encodes an event into its wire JSON object (snake_case, ISO-8601 UTC timestamps), as its codec does; `UnknownEvent`
 * gives its raw object.
 */
export const encodeAgentEvent = (event: AgentEvent): AgentEventJson =>
  event._tag === "UnknownEvent" ? event.raw : (byTag.get(event._tag) as Variant).encode(event)

/** The wire `event_type` of a known event. */
export const eventTypeOf = (event: KnownEvent): KnownEventType => (byTag.get(event._tag) as Variant).eventType

/**
 * The instant an event reports: the timestamp of a known event (absent from a resource event that carries none), or
 * the `timestamp` field of an unknown event when it is ISO-8601 text.
 */
export const timestampOf = (event: AgentEvent): DateTime.Utc | undefined => {
  if (event._tag !== "UnknownEvent") return event.timestamp
  const timestamp = event.raw.timestamp
  return typeof timestamp === "string" ? parseTimestamp(timestamp) : undefined
}
