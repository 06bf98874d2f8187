import { DateTime, Effect, Predicate, Result } from "effect"
import { decodeAgentEvent } from "./events/AgentEvent.ts"
import { isResourceEventType } from "./events/EventType.ts"
import { isResourceEvent } from "./events/ResourceEvent.ts"
import { describeJsonType } from "./MessageDecodeError.ts"
import type { Resource } from "./Resource.ts"
import { resourceFromEvent } from "./resourceFromEvent.ts"

/** Why an entry did not become a `Resource`. */
export type SkipReason =
  /** The argument was not an array at all (nothing parsed). */
  | { readonly _tag: "NotAList"; readonly actualType: string }
  /** The entry is not a JSON object. */
  | { readonly _tag: "NotAnObject"; readonly actualType: string }
  /** The entry has no string `event_type`. Skipped silently, as in the seed. */
  | { readonly _tag: "MissingEventType" }
  /** An agent log event or an unknown type: valid, but not about a resource. Skipped silently, as in the seed. */
  | { readonly _tag: "NotAResourceEvent"; readonly eventType: string }
  /** A resource event with a missing or wrongly typed field, or an unparseable timestamp. */
  | { readonly _tag: "SchemaViolation"; readonly eventType: string; readonly path: string; readonly problem: string }
  /** The entry made the parser fail unexpectedly (e.g. a throwing getter); kept so nothing is lost silently. */
  | { readonly _tag: "Unexpected"; readonly problem: string }

/** A skipped entry: where, how loud (the seed logs unknown types at debug, broken events at error), and why. */
export interface SkippedEntry {
  /** Position in the input list; -1 when the input was not a list. */
  readonly index: number
  readonly level: "debug" | "error"
  readonly reason: SkipReason
  /** One line a person can act on, naming the index and the field. */
  readonly message: string
}

export interface ParseResult {
  /** The resources, in input order. */
  readonly resources: ReadonlyArray<Resource>
  /** Every entry that did not become a resource, in input order. */
  readonly skipped: ReadonlyArray<SkippedEntry>
}

export interface ParseOptions {
  /** The time used as `createdAt` for events without a timestamp; read at most once per call. Default: the clock. */
  readonly now?: () => DateTime.Utc
  /** Called for every skipped entry as it is found, e.g. to forward to a logger. */
  readonly onSkip?: (entry: SkippedEntry) => void
}

const skip = (index: number, reason: SkipReason): SkippedEntry => {
  switch (reason._tag) {
    case "NotAList":
      return { index, level: "error", reason, message: `Expected a list of events, got ${reason.actualType}` }
    case "NotAnObject":
      return { index, level: "error", reason, message: `Event ${index} is not an object (got ${reason.actualType})` }
    case "MissingEventType":
      return { index, level: "debug", reason, message: `Event ${index} has no event_type; skipped` }
    case "NotAResourceEvent":
      return {
        index,
        level: "debug",
        reason,
        message: `Event ${index} (${reason.eventType}) is not a resource event; skipped`,
      }
    case "SchemaViolation":
      return {
        index,
        level: "error",
        reason,
        message: `Event ${index} (${reason.eventType}): field "${reason.path}" ${reason.problem}; skipped`,
      }
    case "Unexpected":
      return { index, level: "error", reason, message: `Event ${index} could not be parsed: ${reason.problem}` }
  }
}

const classify = (
  entry: unknown,
  now: () => DateTime.Utc,
): { readonly resource: Resource } | { readonly reason: SkipReason } => {
  if (!Predicate.isObject(entry)) return { reason: { _tag: "NotAnObject", actualType: describeJsonType(entry) } }
  const eventType = (entry as { readonly event_type?: unknown }).event_type
  if (typeof eventType !== "string") return { reason: { _tag: "MissingEventType" } }
  if (!isResourceEventType(eventType)) return { reason: { _tag: "NotAResourceEvent", eventType } }
  const decoded = decodeAgentEvent(entry)
  if (Result.isFailure(decoded)) {
    const error = decoded.failure
    return error._tag === "SchemaViolation"
      ? { reason: { _tag: "SchemaViolation", eventType, path: error.path, problem: error.problem } }
      : { reason: { _tag: "NotAnObject", actualType: error.actualType } }
  }
  const event = decoded.success
  // decodeAgentEvent maps every resource event_type to a resource event; the guard keeps the types honest.
  if (!isResourceEvent(event)) return { reason: { _tag: "NotAResourceEvent", eventType } }
  return { resource: resourceFromEvent(event, event.timestamp ?? now()) }
}

/**
 * Parses raw event objects into `Resource`s with the seed's semantics and reports every entry it skipped.
 *
 * Order is kept. Entries without an `event_type`, agent log events and unknown types are skipped at debug level;
 * non-objects and resource events with a missing or wrongly typed field (or an unparseable timestamp) are skipped at
 * error level, naming the index and the field; processing continues. Never throws, for any input.
 */
export const parseResourceEventsDetailed = (messages: ReadonlyArray<unknown>, options?: ParseOptions): ParseResult => {
  const resources: Array<Resource> = []
  const skipped: Array<SkippedEntry> = []
  const report = (entry: SkippedEntry) => {
    skipped.push(entry)
    options?.onSkip?.(entry)
  }
  if (!Array.isArray(messages)) {
    report(skip(-1, { _tag: "NotAList", actualType: describeJsonType(messages) }))
    return { resources, skipped }
  }
  let now: DateTime.Utc | undefined
  const clock = options?.now ?? DateTime.nowUnsafe
  const nowOnce = () => {
    now ??= clock()
    return now
  }
  for (let index = 0; index < messages.length; index++) {
    let outcome: ReturnType<typeof classify>
    try {
      outcome = classify(messages[index], nowOnce)
    } catch (error) {
      outcome = { reason: { _tag: "Unexpected", problem: error instanceof Error ? error.message : String(error) } }
    }
    if ("resource" in outcome) resources.push(outcome.resource)
    else report(skip(index, outcome.reason))
  }
  return { resources, skipped }
}

/** The seed's `parse_resource_events`: the resources only. Pass `onSkip` to see what was skipped and why. */
export const parseResourceEvents = (messages: ReadonlyArray<unknown>, options?: ParseOptions): Array<Resource> =>
  parseResourceEventsDetailed(messages, options).resources as Array<Resource>

/**
 * {@link parseResourceEventsDetailed} as an Effect: the time comes from `Clock` (testable with `TestClock`) and each
 * skipped entry is logged with `Effect.logDebug` / `Effect.logError`, annotated with its index.
 */
export const parseResourceEventsEffect = Effect.fnUntraced(function* (messages: ReadonlyArray<unknown>) {
  const now = yield* DateTime.now
  const result = parseResourceEventsDetailed(messages, { now: () => now })
  for (const entry of result.skipped) {
    const log = entry.level === "debug" ? Effect.logDebug(entry.message) : Effect.logError(entry.message)
    yield* log.pipe(Effect.annotateLogs({ index: entry.index, reason: entry.reason._tag }))
  }
  return result
})
