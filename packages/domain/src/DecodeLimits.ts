/**
 * Bounds on what decoding a message body accepts. A body beyond them is refused with a typed error
 * (`BodyTooLarge`, `BodyTooDeep`) before anything stores it: a body nested thousands of levels deep makes
 * `JSON.stringify` (in every sink) overflow the stack, and a body larger than a Log Analytics call could never land.
 */
export interface DecodeLimits {
  /** Largest body in bytes (UTF-8). Default 256 KiB, the largest message a Standard namespace accepts. */
  readonly maxBodyBytes: number
  /** Deepest nesting of objects and arrays; the body object itself is level 1. Default 64. */
  readonly maxDepth: number
}

export const defaultDecodeLimits: DecodeLimits = { maxBodyBytes: 256 * 1024, maxDepth: 64 }

/**
 * How the broker carried the body (the AMQP body section): `data` (bytes, what every SDK sends for JSON), `value`
 * (one AMQP value: a string, a map, …) or `sequence` (a list of AMQP lists). Unknown for bodies that did not come
 * over AMQP (in-memory buses).
 */
export type BodyType = "data" | "value" | "sequence"

export interface DecodeOptions {
  readonly limits?: DecodeLimits | undefined
  readonly bodyType?: BodyType | undefined
}
