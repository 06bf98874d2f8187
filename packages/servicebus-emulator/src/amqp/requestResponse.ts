import type { ConnectionState } from "./ConnectionState.ts"
import { type DecodedMessage, messageHelpers, type Typed, types } from "./rheaTypes.ts"

/** A response on a request/response link ($cbs, $management), with both status property spellings the SDKs read. */
export interface Response {
  readonly status: number
  readonly description: string
  readonly condition?: string
  readonly body?: Typed
}

export const sendResponse = (state: ConnectionState, request: DecodedMessage, response: Response): boolean => {
  const replyTo = (request as { reply_to?: string }).reply_to
  const link = replyTo === undefined ? undefined : state.replyLinks.get(replyTo)
  if (link === undefined) return false
  const applicationProperties: Record<string, unknown> = {
    "status-code": types.wrap_int(response.status),
    statusCode: types.wrap_int(response.status),
    "status-description": response.description,
  }
  if (response.condition !== undefined) {
    applicationProperties["error-condition"] = types.wrap_symbol(response.condition)
    applicationProperties.errorCondition = types.wrap_symbol(response.condition)
  }
  const message: Record<string, unknown> = {
    correlation_id: request.message_id,
    application_properties: applicationProperties,
    body: response.body ?? types.Null(),
  }
  link.send(messageHelpers.encode(message))
  return true
}

/** A response body map with string keys. */
export const map = (entries: ReadonlyArray<readonly [string, Typed]>): Typed =>
  types.Map32(entries.flatMap(([key, value]) => [types.wrap_string(key), value]))

export const ok = (body?: Typed): Response =>
  body === undefined ? { status: 200, description: "OK" } : { status: 200, description: "OK", body }

/** Map keys in request bodies are strings; values were unwrapped by rhea (longs as numbers or 8-byte buffers). */
export const bodyMap = (request: DecodedMessage): Readonly<Record<string, unknown>> => {
  const body = request.body
  return typeof body === "object" && body !== null && !Buffer.isBuffer(body) ? (body as Record<string, unknown>) : {}
}

export const longValue = (value: unknown): number | undefined => {
  if (typeof value === "number") return value
  if (typeof value === "bigint") return Number(value)
  if (Buffer.isBuffer(value) && value.length === 8) return Number(value.readBigInt64BE(0))
  return undefined
}
