import { hash } from "node:crypto"
import type { ServiceBusMessage } from "@azure/service-bus"
import { Predicate } from "effect"

/**
 * A signed 64-bit `Long` (the SDK's sequence numbers) as a bigint, from its two 32-bit halves: `Long.toString()`
 * builds the decimal digits by repeated division, which cost more than receiving the message.
 */
export const bigintOfLong = (long: { readonly high: number; readonly low: number }): bigint =>
  (BigInt(long.high) << 32n) | BigInt(long.low >>> 0)

/** An event as it travels on the wire: a JSON object with snake_case keys (see the seed's Event Schema). */
export type WireEvent = { readonly [key: string]: unknown }

/** Per-message options a publisher may set; everything else is derived from the event. */
export interface PublishOptions {
  /** Overrides the derived message id (broker duplicate detection keys on it). */
  readonly messageId?: string
  readonly correlationId?: string
  readonly sessionId?: string
  readonly partitionKey?: string
  readonly timeToLiveMs?: number
  /** Extra application properties, merged over the derived ones. */
  readonly applicationProperties?: { readonly [key: string]: string | number | boolean }
}

/**
 * A message id derived from the event's JSON (the first 128 bits of its SHA-256), so that publishing the same event
 * again yields the same id and the broker's duplicate detection drops the second copy.
 */
export const deriveMessageId = (event: WireEvent): string => messageIdOfJson(JSON.stringify(event))

const messageIdOfJson = (json: string): string => hash("sha256", json, "hex").slice(0, 32)

const stringField = (event: object, key: string): string | undefined =>
  Predicate.hasProperty(event, key) && Predicate.isString(event[key]) ? event[key] : undefined

/** The event's type, or `"unknown"` for a payload without one (still publishable: it is archived, not parsed). */
export const eventTypeOf = (event: object): string => stringField(event, "event_type") ?? "unknown"

/**
 * What `publish` keeps of an event until its batch is packed: the JSON text (a snapshot: later changes to the
 * caller's object do not leak into the message) and the fields the message's headers come from. Turning it into a
 * message (bytes, message id) is left to packing time, which overlaps with the sends already in flight.
 */
export interface PreparedEvent {
  readonly json: string
  readonly eventType: string
  readonly runId: string | undefined
  readonly scenarioName: string | undefined
  readonly options: PublishOptions | undefined
}

export const prepareEvent = (event: object, options?: PublishOptions): PreparedEvent => ({
  json: JSON.stringify(event),
  eventType: eventTypeOf(event),
  runId: stringField(event, "run_id"),
  scenarioName: stringField(event, "scenario_name"),
  options:
    options === undefined
      ? undefined
      : options.applicationProperties === undefined
        ? { ...options }
        : { ...options, applicationProperties: { ...options.applicationProperties } },
})

/**
 * The message for a prepared event: the body is the event's UTF-8 JSON in a single data section, marked
 * `application/json`; `subject` and the application properties `event_type`, `run_id`, `scenario_name` let
 * subscription rules filter without reading bodies.
 */
export const encodePrepared = (prepared: PreparedEvent): ServiceBusMessage => {
  const applicationProperties: Record<string, string | number | boolean> = { event_type: prepared.eventType }
  if (prepared.runId !== undefined) applicationProperties.run_id = prepared.runId
  if (prepared.scenarioName !== undefined) applicationProperties.scenario_name = prepared.scenarioName
  const options = prepared.options
  const message: ServiceBusMessage = {
    body: Buffer.from(prepared.json, "utf8"),
    contentType: "application/json",
    subject: prepared.eventType,
    messageId: options?.messageId ?? messageIdOfJson(prepared.json),
    applicationProperties:
      options?.applicationProperties === undefined
        ? applicationProperties
        : { ...applicationProperties, ...options.applicationProperties },
  }
  if (options === undefined) return message
  if (options.correlationId !== undefined) message.correlationId = options.correlationId
  if (options.sessionId !== undefined) message.sessionId = options.sessionId
  if (options.partitionKey !== undefined) message.partitionKey = options.partitionKey
  if (options.timeToLiveMs !== undefined) message.timeToLive = options.timeToLiveMs
  return message
}

/** The message for one event (see `encodePrepared`). */
export const toServiceBusMessage = (event: WireEvent, options?: PublishOptions): ServiceBusMessage =>
  encodePrepared(prepareEvent(event, options))
