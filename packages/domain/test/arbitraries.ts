import * as fc from "fast-check"
import { agentLogEventTypes, isKnownEventType, resourceEventTypes } from "../src/index.ts"

/** A timestamp in the canonical form this package encodes (ISO-8601 UTC with milliseconds). */
export const canonicalTimestamp = fc
  .integer({ min: Date.UTC(1, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) })
  .map((millis) => new Date(millis).toISOString())

/**
 * Between one and `maxLength` values of `shape`, each with its own `timestamp` (ISO text, a whole number of seconds
 * from 2024-01-01 up to `maxSeconds`): events of which no two tie in time.
 */
export const atDistinctTimes = <A extends object>(shape: fc.Arbitrary<A>, maxLength: number, maxSeconds: number) =>
  fc.uniqueArray(fc.integer({ min: 0, max: maxSeconds }), { minLength: 1, maxLength }).chain((seconds) =>
    fc.array(shape, { minLength: seconds.length, maxLength: seconds.length }).map((values) =>
      values.map((value, i) => ({
        ...value,
        timestamp: new Date(Date.UTC(2024, 0, 1) + (seconds[i] ?? 0) * 1000).toISOString(),
      })),
    ),
  )

/** Any ISO-8601 spelling the decoder accepts for the same kind of instant. */
export const anyIsoTimestamp = fc
  .tuple(
    fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9999, 0, 1) }),
    fc.constantFrom("Z", "z", "+00:00", "+01:00", "-05:30", "+0200", ""),
    fc.constantFrom(0, 3, 6),
    fc.constantFrom("T", " "),
  )
  .map(([millis, zone, fractionDigits, separator]) => {
    const iso = new Date(millis).toISOString()
    const fraction = fractionDigits === 0 ? "" : `.${iso.slice(20, 23).padEnd(fractionDigits, "0")}`
    return `${iso.slice(0, 10)}${separator}${iso.slice(11, 19)}${fraction}${zone}`
  })

const tags = fc.dictionary(fc.string(), fc.string(), { maxKeys: 4, noNullPrototype: true })
const details = fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4, noNullPrototype: true })

/** A valid resource event as agents publish it, optional fields present or absent (never null). */
export const resourceEventJson = fc.record(
  {
    event_type: fc.constantFrom(...resourceEventTypes),
    resource_id: fc.string(),
    resource_type: fc.string(),
    resource_name: fc.string(),
    scenario_name: fc.string(),
    run_id: fc.string(),
    timestamp: canonicalTimestamp,
    tags,
    deletion_error: fc.string(),
    deletion_attempts: fc.nat(),
  },
  { requiredKeys: ["event_type", "resource_id", "resource_type", "resource_name", "scenario_name", "run_id"] },
)

/** A valid agent log event. */
export const agentLogEventJson = fc.record(
  {
    event_type: fc.constantFrom(...agentLogEventTypes),
    timestamp: canonicalTimestamp,
    scenario_name: fc.string(),
    run_id: fc.string(),
    agent_id: fc.string(),
    message: fc.string(),
    severity: fc.constantFrom("info", "warning", "error"),
    details,
    resource_id: fc.string(),
    resource_type: fc.string(),
  },
  {
    requiredKeys: ["event_type", "timestamp", "scenario_name", "run_id", "agent_id", "message", "severity", "details"],
  },
)

/** A JSON object whose event_type is missing or not a known type. */
export const unknownEventJson = fc
  .dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5, noNullPrototype: true })
  .filter((object) => !isKnownEventType(object.event_type))

export const validEventJson = fc.oneof(resourceEventJson, agentLogEventJson, unknownEventJson)
