import { Effect, Predicate, Result } from "effect"
import { type AgentEvent, decodeAgentEvent } from "./events/AgentEvent.ts"
import type { JsonObject } from "./events/AgentLogEvent.ts"
import { describeJsonType, InvalidJson, type MessageDecodeError, NotAnObject } from "./MessageDecodeError.ts"
import { withoutStackTrace } from "./withoutStackTrace.ts"

const PREVIEW_LENGTH = 80

const utf8 = new TextDecoder("utf-8", { fatal: true })

const preview = (text: string): string => (text.length > PREVIEW_LENGTH ? `${text.slice(0, PREVIEW_LENGTH)}…` : text)

const parseJsonText = (text: string): Result.Result<unknown, InvalidJson> => {
  // Without a stack trace: capturing one for the parser's SyntaxError (and for InvalidJson) cost more than parsing a
  // body. JSON.parse runs no user code, so nothing else observes the lowered limit; the valid path pays two stores.
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

const bytesToJson = (bytes: Uint8Array): Result.Result<unknown, InvalidJson> => {
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

/**
 * Turns a message body, as the Service Bus SDK hands it over, into a JSON object:
 *
 * - an object: used as is (the SDK already parsed a JSON data section);
 * - a string: parsed as JSON;
 * - bytes (`Uint8Array`, `Buffer`, `ArrayBuffer`): decoded as UTF-8, then parsed as JSON (what Python agents send);
 * - anything else, or JSON that is not an object: `NotAnObject`.
 */
export const parseMessageJson = (body: unknown): Result.Result<JsonObject, InvalidJson | NotAnObject> => {
  let value: unknown = body
  if (typeof body === "string") {
    const parsed = parseJsonText(body)
    if (Result.isFailure(parsed)) return Result.fail(parsed.failure)
    value = parsed.success
  } else if (body instanceof Uint8Array || body instanceof ArrayBuffer) {
    const parsed = bytesToJson(body instanceof ArrayBuffer ? new Uint8Array(body) : body)
    if (Result.isFailure(parsed)) return Result.fail(parsed.failure)
    value = parsed.success
  }
  if (!Predicate.isObject(value)) {
    return Result.fail(withoutStackTrace(() => new NotAnObject({ actualType: describeJsonType(value) })))
  }
  return Result.succeed(value as JsonObject)
}

/**
 * Decodes a message body into an `AgentEvent`, or says why it cannot (`InvalidJson`, `NotAnObject`,
 * `SchemaViolation`). Synchronous and exception-free.
 */
export const decodeMessageBody = (body: unknown): Result.Result<AgentEvent, MessageDecodeError> => {
  const json = parseMessageJson(body)
  return Result.isFailure(json) ? Result.fail(json.failure) : decodeAgentEvent(json.success)
}

/** {@link decodeMessageBody} in the error channel of an `Effect`. */
export const decodeMessageBodyEffect = (body: unknown): Effect.Effect<AgentEvent, MessageDecodeError> =>
  Effect.fromResult(decodeMessageBody(body))
