import { Predicate, Result } from "effect"
import { type DecodeLimits, type DecodeOptions, defaultDecodeLimits } from "./DecodeLimits.ts"
import { type AgentEvent, decodeAgentEvent } from "./events/AgentEvent.ts"
import type { JsonObject } from "./JsonObject.ts"
import {
  BodyTooDeep,
  BodyTooLarge,
  describeJsonType,
  InvalidJson,
  type MessageDecodeError,
  NotAnObject,
  UnsupportedBody,
} from "./MessageDecodeError.ts"
import { withoutStackTrace } from "./withoutStackTrace.ts"

const PREVIEW_LENGTH = 80

const utf8 = new TextDecoder("utf-8", { fatal: true })

const preview = (text: string): string => (text.length > PREVIEW_LENGTH ? `${text.slice(0, PREVIEW_LENGTH)}…` : text)

const parseJsonText = (text: string): Result.Result<unknown, InvalidJson> => {
  // Without a stack trace for the parser's SyntaxError and InvalidJson (see withoutStackTrace). JSON.parse runs no
  // user code, so nothing else observes the lowered limit.
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return Result.succeed(JSON.parse(text))
  } catch (error) {
    const problem = error instanceof Error ? error.message : String(error)
    return Result.fail(new InvalidJson({ problem, preview: preview(text) }))
  } finally {
    Error.stackTraceLimit = limit
  }
}

/** Whether `value` nests objects or arrays more than `remaining` levels deep (recursion bounded by the limit). */
const exceedsDepth = (value: unknown, remaining: number): boolean => {
  if (typeof value !== "object" || value === null) return false
  if (remaining === 0) return true
  if (Array.isArray(value)) {
    for (const item of value) if (exceedsDepth(item, remaining - 1)) return true
    return false
  }
  const record = value as Record<string, unknown>
  for (const key in record) if (exceedsDepth(record[key], remaining - 1)) return true
  return false
}

const isPlainObject = (value: object): boolean => {
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/**
 * For a value the broker decoded (an AMQP value section), the first thing in it that JSON cannot carry, described
 * with its path, or `"too deep"`; `undefined` when it is plain JSON.
 */
const notJson = (value: unknown, remaining: number, path: ReadonlyArray<string>): string | undefined => {
  const at = path.length === 0 ? "" : ` at ${path.join(".")}`
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined
    case "number":
      return Number.isFinite(value) ? undefined : `the number ${value}${at}`
    case "object": {
      if (value === null) return undefined
      if (remaining === 0) return "too deep"
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const problem = notJson(value[i], remaining - 1, [...path, String(i)])
          if (problem !== undefined) return problem
        }
        return undefined
      }
      if (!isPlainObject(value)) return `a ${describeJsonType(value)}${at}`
      const record = value as Record<string, unknown>
      for (const key in record) {
        const problem = notJson(record[key], remaining - 1, [...path, key])
        if (problem !== undefined) return problem
      }
      return undefined
    }
    default:
      return `a ${typeof value}${at}`
  }
}

const utf8Length = (text: string): number => new TextEncoder().encode(text).length

const tooLarge = (sizeBytes: number, limits: DecodeLimits) =>
  Result.fail(withoutStackTrace(() => new BodyTooLarge({ sizeBytes, limitBytes: limits.maxBodyBytes })))

const textToJson = (text: string, limits: DecodeLimits): Result.Result<unknown, InvalidJson | BodyTooLarge> => {
  // A UTF-16 code unit is at least one UTF-8 byte and at most three: measure only in between.
  if (text.length > limits.maxBodyBytes) return tooLarge(utf8Length(text), limits)
  if (text.length * 3 > limits.maxBodyBytes) {
    const size = utf8Length(text)
    if (size > limits.maxBodyBytes) return tooLarge(size, limits)
  }
  return parseJsonText(text)
}

const bytesToJson = (bytes: Uint8Array, limits: DecodeLimits): Result.Result<unknown, InvalidJson | BodyTooLarge> => {
  if (bytes.byteLength > limits.maxBodyBytes) return tooLarge(bytes.byteLength, limits)
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    const hex = Array.from(bytes.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join(" ")
    return Result.fail(
      withoutStackTrace(() => new InvalidJson({ problem: "the bytes are not UTF-8", preview: `bytes ${hex}` })),
    )
  }
  return parseJsonText(text)
}

const tooDeep = (limits: DecodeLimits) =>
  Result.fail(withoutStackTrace(() => new BodyTooDeep({ limit: limits.maxDepth })))

type ParseFailure = InvalidJson | NotAnObject | BodyTooLarge | BodyTooDeep | UnsupportedBody

const unsupported = (bodyType: string, problem: string) =>
  Result.fail(withoutStackTrace(() => new UnsupportedBody({ bodyType, problem })))

/**
 * Turns a message body, as the Service Bus SDK hands it over, into a JSON object:
 *
 * - bytes (`Uint8Array`, `Buffer`, `ArrayBuffer`): decoded as UTF-8, then parsed as JSON (what every SDK sends);
 * - a string: parsed as JSON;
 * - an object: used as is (an in-memory bus, or an AMQP value section, which must then hold only JSON values);
 * - an AMQP sequence section: `UnsupportedBody`;
 * - anything else, or JSON that is not an object: `NotAnObject`.
 *
 * Bodies beyond the limits (default {@link defaultDecodeLimits}) are `BodyTooLarge` or `BodyTooDeep`, so nothing
 * downstream meets them.
 */
export const parseMessageJson = (body: unknown, options?: DecodeOptions): Result.Result<JsonObject, ParseFailure> => {
  const limits = options?.limits ?? defaultDecodeLimits
  const bodyType = options?.bodyType
  if (bodyType === "sequence") return unsupported("sequence", "a list of AMQP lists")
  let value: unknown = body
  let parsed = false
  if (typeof body === "string") {
    const result = textToJson(body, limits)
    if (Result.isFailure(result)) return Result.fail(result.failure)
    value = result.success
    parsed = true
  } else if (body instanceof Uint8Array || body instanceof ArrayBuffer) {
    const result = bytesToJson(body instanceof ArrayBuffer ? new Uint8Array(body) : body, limits)
    if (Result.isFailure(result)) return Result.fail(result.failure)
    value = result.success
    parsed = true
  }
  if (!Predicate.isObject(value)) {
    return Result.fail(withoutStackTrace(() => new NotAnObject({ actualType: describeJsonType(value) })))
  }
  if (parsed) {
    return exceedsDepth(value, limits.maxDepth) ? tooDeep(limits) : Result.succeed(value as JsonObject)
  }
  // An object someone else built: its getters may throw, and an AMQP value must hold JSON only.
  try {
    if (bodyType === "value") {
      const problem = notJson(value, limits.maxDepth, [])
      if (problem === "too deep") return tooDeep(limits)
      if (problem !== undefined) return unsupported("value", `it holds ${problem}`)
    } else if (exceedsDepth(value, limits.maxDepth)) {
      return tooDeep(limits)
    }
  } catch (error) {
    const problem = `reading the body object failed: ${error instanceof Error ? error.message : String(error)}`
    return Result.fail(withoutStackTrace(() => new InvalidJson({ problem, preview: "" })))
  }
  return Result.succeed(value as JsonObject)
}

/**
 * Decodes a message body into an `AgentEvent`, or says why it cannot (`InvalidJson`, `NotAnObject`,
 * `SchemaViolation`, `BodyTooLarge`, `BodyTooDeep`, `UnsupportedBody`). Synchronous and exception-free.
 */
export const decodeMessageBody = (
  body: unknown,
  options?: DecodeOptions,
): Result.Result<AgentEvent, MessageDecodeError> => {
  const json = parseMessageJson(body, options)
  return Result.isFailure(json) ? Result.fail(json.failure) : decodeAgentEvent(json.success)
}
