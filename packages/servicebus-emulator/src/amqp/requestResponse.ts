import type { ConnectionState } from "./ConnectionState.ts"
import type { RequestOrigin } from "./ReplyLink.ts"
import { type DecodedMessage, messageHelpers, type Typed, types } from "./rheaTypes.ts"
import { sectionCodes } from "./sections.ts"

/** A response on a request/response link ($cbs, $management). */
export interface Response {
  readonly status: number
  readonly description: string
  readonly condition?: string
  readonly body?: Typed
}

/** A request as received: decoded, plus its message-id exactly as encoded (the response's correlation-id). */
export interface Request {
  readonly message: DecodedMessage
  readonly messageId: Typed | undefined
  readonly origin: RequestOrigin
}

interface Reader {
  read(): { readonly descriptor?: { readonly value: unknown }; readonly value: unknown }
  remaining(): number
}

const ReaderClass = (types as unknown as { Reader: new (buffer: Buffer) => Reader }).Reader

/** The properties section's message-id with its AMQP type (ulong from uamqp, string or uuid elsewhere). */
const encodedMessageId = (encoded: Buffer): Typed | undefined => {
  const reader = new ReaderClass(encoded)
  while (reader.remaining() > 0) {
    const section = reader.read()
    if (section.descriptor?.value === sectionCodes.properties) {
      const first = Array.isArray(section.value) ? (section.value[0] as Typed | undefined) : undefined
      return first === undefined || first.value === null || first.value === undefined ? undefined : first
    }
  }
  return undefined
}

/** Decodes a request; throws when the bytes are not an AMQP message. */
export const decodeRequest = (encoded: Buffer, origin: RequestOrigin): Request => ({
  message: messageHelpers.decode(encoded),
  messageId: encodedMessageId(encoded),
  origin,
})

/**
 * Sends a response readable by every SDK: the correlation-id is the request's message-id in its own AMQP type
 * (uamqp matches responses by ulong); status and description under both spellings in use (`statusCode` and
 * `statusDescription` on $management, `status-code` and `status-description` on $cbs; uamqp reads only the one it
 * expects on each node, the JS SDK either), the body an AMQP value (a map, or null). Returns false when no reply
 * link fits.
 */
export const sendResponse = (state: ConnectionState, request: Request, response: Response): boolean => {
  const link = state.replyLinks.route(request.message.reply_to, request.origin)
  if (link === undefined) return false
  const applicationProperties: Record<string, unknown> = {
    statusCode: types.wrap_int(response.status),
    "status-code": types.wrap_int(response.status),
    statusDescription: response.description,
    "status-description": response.description,
  }
  if (response.condition !== undefined) {
    applicationProperties.errorCondition = types.wrap_symbol(response.condition)
    applicationProperties["error-condition"] = types.wrap_symbol(response.condition)
  }
  const message: Record<string, unknown> = {
    application_properties: applicationProperties,
    body: response.body ?? types.Null(),
  }
  if (request.messageId !== undefined) message.correlation_id = request.messageId
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
