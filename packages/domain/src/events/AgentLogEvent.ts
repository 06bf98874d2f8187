import { type DateTime, Schema, SchemaGetter, SchemaParser } from "effect"
import { SchemaJITCompiler } from "effect/schema"
import { formatTimestamp, IsoTimestampString, parseTimestamp, timestampOfValidated } from "../Timestamp.ts"
import type { AgentLogEventType } from "./EventType.ts"

export const Severity = Schema.Literals(["info", "warning", "error"])
export type Severity = typeof Severity.Type

/** A JSON object (`details` of a log event, the raw body of an unknown event). */
export const JsonObject = Schema.Record(Schema.String, Schema.Unknown)
export type JsonObject = typeof JsonObject.Type

const makeWire = <const T extends AgentLogEventType>(eventType: T) =>
  Schema.Struct({
    event_type: Schema.Literal(eventType),
    timestamp: IsoTimestampString,
    scenario_name: Schema.String,
    run_id: Schema.String,
    agent_id: Schema.String,
    message: Schema.String,
    severity: Severity,
    details: JsonObject,
    resource_id: Schema.optionalKey(Schema.NullOr(Schema.String)),
    resource_type: Schema.optionalKey(Schema.NullOr(Schema.String)),
  })

/**
 * The common shape, checked first on the hot path (see `makeCommonWire` of the resource events): optional fields
 * absent rather than `null`, the timestamp any string, left to the parser that converts it.
 */
const makeCommonWire = <const T extends AgentLogEventType>(eventType: T) =>
  Schema.Struct({
    event_type: Schema.Literal(eventType),
    timestamp: Schema.String,
    scenario_name: Schema.String,
    run_id: Schema.String,
    agent_id: Schema.String,
    message: Schema.String,
    severity: Severity,
    details: JsonObject,
    resource_id: Schema.optionalKey(Schema.String),
    resource_type: Schema.optionalKey(Schema.String),
  })

/** The JSON object of an agent log event as agents publish it. */
export interface AgentLogEventJson<T extends AgentLogEventType = AgentLogEventType> {
  readonly event_type: T
  readonly timestamp: string
  readonly scenario_name: string
  readonly run_id: string
  readonly agent_id: string
  readonly message: string
  readonly severity: Severity
  readonly details: { readonly [key: string]: unknown }
  readonly resource_id?: string | null
  readonly resource_type?: string | null
}

interface AgentLogEventOf<Tag extends string> {
  readonly _tag: Tag
  readonly timestamp: DateTime.Utc
  readonly scenarioName: string
  readonly runId: string
  readonly agentId: string
  readonly message: string
  readonly severity: Severity
  readonly details: { readonly [key: string]: unknown }
  readonly resourceId?: string
  readonly resourceType?: string
}

const domainFields = {
  timestamp: Schema.DateTimeUtc,
  scenarioName: Schema.String,
  runId: Schema.String,
  agentId: Schema.String,
  message: Schema.String,
  severity: Severity,
  details: JsonObject,
  resourceId: Schema.optionalKey(Schema.String),
  resourceType: Schema.optionalKey(Schema.String),
}

const makeVariant = <const Tag extends string, const T extends AgentLogEventType>(tag: Tag, eventType: T) => {
  const Wire = makeWire(eventType)
  const CommonWire = makeCommonWire(eventType)
  SchemaJITCompiler.enable(Wire.ast)
  SchemaJITCompiler.enable(CommonWire.ast)
  const isCommonWire = SchemaParser.is(CommonWire)

  const build = (wire: AgentLogEventJson<T>, timestamp: DateTime.Utc): AgentLogEventOf<Tag> => {
    const event: { -readonly [K in keyof AgentLogEventOf<Tag>]: AgentLogEventOf<Tag>[K] } = {
      _tag: tag,
      timestamp,
      scenarioName: wire.scenario_name,
      runId: wire.run_id,
      agentId: wire.agent_id,
      message: wire.message,
      severity: wire.severity,
      details: wire.details,
    }
    if (wire.resource_id != null) event.resourceId = wire.resource_id
    if (wire.resource_type != null) event.resourceType = wire.resource_type
    return event
  }

  /** Converts a value the wire schema accepted. */
  const fromWire = (wire: AgentLogEventJson<T>): AgentLogEventOf<Tag> =>
    build(wire, timestampOfValidated(wire.timestamp))

  /** The hot path: the event when the input has the common shape and a valid timestamp, otherwise `undefined`. */
  const decodeCommon = (input: unknown): AgentLogEventOf<Tag> | undefined => {
    if (!isCommonWire(input)) return undefined
    const timestamp = parseTimestamp(input.timestamp)
    return timestamp === undefined ? undefined : build(input, timestamp)
  }

  const toWire = (event: AgentLogEventOf<Tag>): AgentLogEventJson<T> => {
    const wire: { -readonly [K in keyof AgentLogEventJson<T>]: AgentLogEventJson<T>[K] } = {
      event_type: eventType,
      timestamp: formatTimestamp(event.timestamp),
      scenario_name: event.scenarioName,
      run_id: event.runId,
      agent_id: event.agentId,
      message: event.message,
      severity: event.severity,
      details: event.details,
    }
    if (event.resourceId !== undefined) wire.resource_id = event.resourceId
    if (event.resourceType !== undefined) wire.resource_type = event.resourceType
    return wire
  }

  const Domain = Schema.TaggedStruct(tag, domainFields)
  const Codec = Wire.pipe(
    Schema.decodeTo(Domain, {
      decode: SchemaGetter.transform(fromWire),
      encode: SchemaGetter.transform(toWire),
    }),
  )
  return { eventType, Wire, Domain, Codec, decodeCommon, fromWire, toWire }
}

const started = makeVariant("AgentStarted", "agent_started")
const operation = makeVariant("AgentOperation", "operation")
const cleanupComplete = makeVariant("CleanupComplete", "cleanup_complete")
const error = makeVariant("AgentError", "error")

/** `agent_started`: an agent began a scenario run. */
export interface AgentStarted extends AgentLogEventOf<"AgentStarted"> {}
/** `operation`: an agent reports a step of its scenario. */
export interface AgentOperation extends AgentLogEventOf<"AgentOperation"> {}
/** `cleanup_complete`: an agent finished cleaning up its resources. */
export interface CleanupComplete extends AgentLogEventOf<"CleanupComplete"> {}
/** `error`: an agent reports an error. */
export interface AgentError extends AgentLogEventOf<"AgentError"> {}

export type AgentLogEvent = AgentStarted | AgentOperation | CleanupComplete | AgentError

export const AgentStarted = started.Codec
export const AgentOperation = operation.Codec
export const CleanupComplete = cleanupComplete.Codec
export const AgentError = error.Codec

export const agentLogEventVariants = {
  agent_started: started,
  operation,
  cleanup_complete: cleanupComplete,
  error,
} as const
