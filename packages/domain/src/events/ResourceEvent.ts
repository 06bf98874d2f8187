import { type DateTime, Schema, SchemaGetter, SchemaParser } from "effect"
import { SchemaJITCompiler } from "effect/schema"
import { NonNegativeInt } from "../NonNegativeInt.ts"
import { formatTimestamp, IsoTimestampString, parseTimestamp, timestampOfValidated } from "../Timestamp.ts"
import type { ResourceEventType } from "./EventType.ts"

/** Azure resource tags: string keys, string values. */
export const Tags = Schema.Record(Schema.String, Schema.String)

/**
 * Wire shape of a resource lifecycle event, snake_case exactly as the seed's "Event Schema".
 * Optional fields may also be `null` (Python's `None`); `null` is read as absent.
 */
const makeWire = <const T extends ResourceEventType>(eventType: T) =>
  Schema.Struct({
    event_type: Schema.Literal(eventType),
    resource_id: Schema.String,
    resource_type: Schema.String,
    resource_name: Schema.String,
    scenario_name: Schema.String,
    run_id: Schema.String,
    timestamp: Schema.optionalKey(Schema.NullOr(IsoTimestampString)),
    tags: Schema.optionalKey(Schema.NullOr(Tags)),
    deletion_error: Schema.optionalKey(Schema.NullOr(Schema.String)),
    deletion_attempts: Schema.optionalKey(Schema.NullOr(NonNegativeInt)),
  })

/**
 * The shape nearly every resource event has, checked first on the hot path: optional fields absent rather than `null`,
 * and the timestamp any string, left to the parser that converts it. A stricter form of {@link makeWire} apart from
 * the timestamp: whatever it accepts with a parseable timestamp, the wire schema accepts and decodes to the same event.
 * It exists because the unions of `null` and the timestamp filter cost more than the rest of the check together.
 */
const makeCommonWire = <const T extends ResourceEventType>(eventType: T) =>
  Schema.Struct({
    event_type: Schema.Literal(eventType),
    resource_id: Schema.String,
    resource_type: Schema.String,
    resource_name: Schema.String,
    scenario_name: Schema.String,
    run_id: Schema.String,
    timestamp: Schema.optionalKey(Schema.String),
    tags: Schema.optionalKey(Tags),
    deletion_error: Schema.optionalKey(Schema.String),
    deletion_attempts: Schema.optionalKey(NonNegativeInt),
  })

/** The JSON object of a resource event as agents publish it. */
export interface ResourceEventJson<T extends ResourceEventType = ResourceEventType> {
  readonly event_type: T
  readonly resource_id: string
  readonly resource_type: string
  readonly resource_name: string
  readonly scenario_name: string
  readonly run_id: string
  readonly timestamp?: string | null
  readonly tags?: { readonly [key: string]: string } | null
  readonly deletion_error?: string | null
  readonly deletion_attempts?: number | null
}

/** Domain form of a resource event (camelCase). */
interface ResourceEventOf<Tag extends string> {
  readonly _tag: Tag
  readonly resourceId: string
  readonly resourceType: string
  readonly resourceName: string
  readonly scenarioName: string
  readonly runId: string
  /** When the agent observed the change; absent when the agent sent none. */
  readonly timestamp?: DateTime.Utc
  readonly tags?: { readonly [key: string]: string }
  readonly deletionError?: string
  readonly deletionAttempts?: number
}

const domainFields = {
  resourceId: Schema.String,
  resourceType: Schema.String,
  resourceName: Schema.String,
  scenarioName: Schema.String,
  runId: Schema.String,
  timestamp: Schema.optionalKey(Schema.DateTimeUtc),
  tags: Schema.optionalKey(Tags),
  deletionError: Schema.optionalKey(Schema.String),
  deletionAttempts: Schema.optionalKey(NonNegativeInt),
}

const makeVariant = <const Tag extends string, const T extends ResourceEventType>(tag: Tag, eventType: T) => {
  const Wire = makeWire(eventType)
  const CommonWire = makeCommonWire(eventType)
  // Compiled decoding (JIT) for the hot path; falls back to the interpreter where `new Function` is unavailable.
  SchemaJITCompiler.enable(Wire.ast)
  SchemaJITCompiler.enable(CommonWire.ast)
  const isCommonWire = SchemaParser.is(CommonWire)

  // The one place where wire names become domain names: used by the codec below and by the hot path alike.
  const build = (wire: ResourceEventJson<T>, timestamp: DateTime.Utc | undefined): ResourceEventOf<Tag> => {
    const event: {
      -readonly [K in keyof ResourceEventOf<Tag>]: ResourceEventOf<Tag>[K]
    } = {
      _tag: tag,
      resourceId: wire.resource_id,
      resourceType: wire.resource_type,
      resourceName: wire.resource_name,
      scenarioName: wire.scenario_name,
      runId: wire.run_id,
    }
    if (timestamp !== undefined) event.timestamp = timestamp
    if (wire.tags != null) event.tags = wire.tags
    if (wire.deletion_error != null) event.deletionError = wire.deletion_error
    if (wire.deletion_attempts != null) event.deletionAttempts = wire.deletion_attempts
    return event
  }

  /** Converts a value the wire schema accepted. */
  const fromWire = (wire: ResourceEventJson<T>): ResourceEventOf<Tag> =>
    build(wire, wire.timestamp == null ? undefined : timestampOfValidated(wire.timestamp))

  /**
   * The hot path: the event when the input has the common shape and a valid timestamp, otherwise `undefined` (the
   * caller then runs the wire schema, which accepts `null`s and explains failures).
   */
  const decodeCommon = (input: unknown): ResourceEventOf<Tag> | undefined => {
    if (!isCommonWire(input)) return undefined
    if (input.timestamp === undefined) return build(input, undefined)
    const timestamp = parseTimestamp(input.timestamp)
    return timestamp === undefined ? undefined : build(input, timestamp)
  }

  const toWire = (event: ResourceEventOf<Tag>): ResourceEventJson<T> => {
    const wire: { -readonly [K in keyof ResourceEventJson<T>]: ResourceEventJson<T>[K] } = {
      event_type: eventType,
      resource_id: event.resourceId,
      resource_type: event.resourceType,
      resource_name: event.resourceName,
      scenario_name: event.scenarioName,
      run_id: event.runId,
    }
    if (event.timestamp !== undefined) wire.timestamp = formatTimestamp(event.timestamp)
    if (event.tags !== undefined) wire.tags = event.tags
    if (event.deletionError !== undefined) wire.deletion_error = event.deletionError
    if (event.deletionAttempts !== undefined) wire.deletion_attempts = event.deletionAttempts
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

const created = makeVariant("ResourceCreated", "resource_created")
const deleted = makeVariant("ResourceDeleted", "resource_deleted")
const deletionFailed = makeVariant("ResourceDeletionFailed", "resource_deletion_failed")

/** `resource_created`: an agent created a resource. */
export interface ResourceCreated extends ResourceEventOf<"ResourceCreated"> {}
/** `resource_deleted`: an agent deleted a resource. */
export interface ResourceDeleted extends ResourceEventOf<"ResourceDeleted"> {}
/** `resource_deletion_failed`: an agent tried to delete a resource and failed (`deletionError`, `deletionAttempts`). */
export interface ResourceDeletionFailed extends ResourceEventOf<"ResourceDeletionFailed"> {}

export type ResourceEvent = ResourceCreated | ResourceDeleted | ResourceDeletionFailed

/** Codec: wire JSON object (snake_case) <-> `ResourceCreated`. */
export const ResourceCreated = created.Codec
/** Codec: wire JSON object (snake_case) <-> `ResourceDeleted`. */
export const ResourceDeleted = deleted.Codec
/** Codec: wire JSON object (snake_case) <-> `ResourceDeletionFailed`. */
export const ResourceDeletionFailed = deletionFailed.Codec

/** Per wire type: the compiled wire schema and the name translation, for the dispatching decoder. */
export const resourceEventVariants = {
  resource_created: created,
  resource_deleted: deleted,
  resource_deletion_failed: deletionFailed,
} as const

export const isResourceEvent = (event: { readonly _tag: string }): event is ResourceEvent =>
  event._tag === "ResourceCreated" || event._tag === "ResourceDeleted" || event._tag === "ResourceDeletionFailed"
