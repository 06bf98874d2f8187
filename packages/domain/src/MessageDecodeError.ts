import { Data } from "effect"

// Data.TaggedError rather than Schema.TaggedError: a Schema class re-parses its fields in its constructor, and these
// errors are never decoded from untrusted input.

/**
 * The body is not JSON: a string or UTF-8 bytes that do not parse, or bytes that are not UTF-8.
 * Dead-letter reason: `InvalidJson`.
 */
export class InvalidJson extends Data.TaggedError("InvalidJson")<{
  /** What the JSON parser (or the UTF-8 decoder) reported. */
  readonly problem: string
  /** The first characters of the body, to recognise it in the dead-letter queue. */
  readonly preview: string
}> {
  override get message(): string {
    return `Message body is not valid JSON (${this.problem}); it starts with ${JSON.stringify(this.preview)}. Publish the event as a JSON object, e.g. ServiceBusMessage(json.dumps(event)).`
  }
}

/**
 * The body is JSON but not an object (an array, a string, a number, `null`, ...).
 * Dead-letter reason: `NotAnObject`.
 */
export class NotAnObject extends Data.TaggedError("NotAnObject")<{
  /** `array`, `string`, `number`, `boolean`, `null`, `undefined` or the constructor name of another value. */
  readonly actualType: string
}> {
  override get message(): string {
    return `Message body must be a JSON object with an "event_type" field, got ${this.actualType}.`
  }
}

/**
 * The body is an object whose `event_type` is known, but a field is missing or has the wrong type.
 * Dead-letter reason: `SchemaViolation`.
 */
export class SchemaViolation extends Data.TaggedError("SchemaViolation")<{
  /** The wire `event_type` of the rejected event. */
  readonly eventType: string
  /** The offending field as a dotted wire path (`resource_id`, `tags.env`); empty for the object itself. */
  readonly path: string
  /** What is wrong with it. */
  readonly problem: string
}> {
  override get message(): string {
    const where = this.path === "" ? "" : ` field "${this.path}"`
    return `Invalid ${this.eventType} event:${where} ${this.problem}.`
  }
}

/**
 * The body is larger than the decoder accepts (see `DecodeLimits.maxBodyBytes`).
 * Dead-letter reason: `BodyTooLarge`.
 */
export class BodyTooLarge extends Data.TaggedError("BodyTooLarge")<{
  /** The body's size in bytes (UTF-8). */
  readonly sizeBytes: number
  readonly limitBytes: number
}> {
  override get message(): string {
    return `Message body of ${this.sizeBytes} bytes exceeds the limit of ${this.limitBytes} bytes; an agent event is a small JSON object (a few KB).`
  }
}

/**
 * The body nests objects or arrays deeper than the decoder accepts (see `DecodeLimits.maxDepth`).
 * Dead-letter reason: `BodyTooDeep`.
 */
export class BodyTooDeep extends Data.TaggedError("BodyTooDeep")<{
  readonly limit: number
}> {
  override get message(): string {
    return `Message body nests objects or arrays more than ${this.limit} levels deep; an agent event is a flat JSON object.`
  }
}

/**
 * The body came in an AMQP section this bus does not carry events in: a sequence section, or a value section that is
 * not JSON (bytes, a timestamp, a described type, …). Dead-letter reason: `UnsupportedBody`.
 */
export class UnsupportedBody extends Data.TaggedError("UnsupportedBody")<{
  /** The AMQP body section: `sequence` or `value`. */
  readonly bodyType: string
  /** What in it is not JSON, e.g. `a Buffer at details.blob`. */
  readonly problem: string
}> {
  override get message(): string {
    return `Message body is an AMQP ${this.bodyType} section (${this.problem}); publish the event as UTF-8 JSON bytes in a data section, e.g. ServiceBusMessage(json.dumps(event)).`
  }
}

/** Why a message body could not be decoded into an `AgentEvent`. */
export type MessageDecodeError =
  | InvalidJson
  | NotAnObject
  | SchemaViolation
  | BodyTooLarge
  | BodyTooDeep
  | UnsupportedBody

// A mapped type: a decode error added to the union does not compile until it is listed here.
const tags: { readonly [Tag in MessageDecodeError["_tag"]]: Tag } = {
  InvalidJson: "InvalidJson",
  NotAnObject: "NotAnObject",
  SchemaViolation: "SchemaViolation",
  BodyTooLarge: "BodyTooLarge",
  BodyTooDeep: "BodyTooDeep",
  UnsupportedBody: "UnsupportedBody",
}

/** The `_tag` of every {@link MessageDecodeError}: the dead-letter reasons of a body that is not a valid event. */
export const messageDecodeErrorTags: ReadonlyArray<MessageDecodeError["_tag"]> = Object.values(tags)

/** Describes the JSON type of a value for error messages. */
export const describeJsonType = (value: unknown): string => {
  if (value === null) return "null"
  if (Array.isArray(value)) return "array"
  const type = typeof value
  if (type !== "object") return type
  const name = (value as object).constructor?.name
  return name === undefined || name === "Object" ? "object" : name
}
