import type { Payload } from "../broker/BrokeredMessage.ts"

/**
 * How durable storage turns the protocol layer's payloads (and the application properties the broker changed) into
 * bytes and back. The broker stays protocol-independent; the AMQP layer provides the implementation.
 */
export interface PayloadCodec {
  /** The stored form in parts (written one after the other, so nothing is concatenated first). */
  encode(payload: Payload): ReadonlyArray<Uint8Array>
  decode(bytes: Buffer): Payload
  encodeProperties(properties: Readonly<Record<string, unknown>>): Uint8Array
  decodeProperties(bytes: Buffer): Record<string, unknown>
}
