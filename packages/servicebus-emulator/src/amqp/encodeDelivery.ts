import type { BrokeredMessage } from "../broker/BrokeredMessage.ts"
import type { AmqpPayload } from "./AmqpPayload.ts"
import { writeSectionsInPlace } from "./AmqpPayload.ts"
import { messageHelpers, type Typed, types } from "./rheaTypes.ts"
import { sectionCodes } from "./sections.ts"

const maxUint = 0xffff_ffff

const messageStates = { active: 0, deferred: 1, scheduled: 2 } as const

/**
 * Encodes a stored message for a receiver: a fresh header (delivery count, TTL) and message annotations (sequence
 * number, enqueued time, lock expiry, state) in front of the bare message as it was sent. A message handed out on
 * the management link (receive-by-sequence-number) carries its lock token as the delivery annotation
 * `x-opt-lock-token`, as Service Bus sends it: it has no delivery tag to carry it, and uamqp reads it from there.
 */
export const encodeDelivery = (message: BrokeredMessage, deliveryCount: number, lockToken?: Buffer): Buffer => {
  const payload = message.payload as AmqpPayload
  const header: Record<string, unknown> = { delivery_count: deliveryCount }
  if (payload.durable !== undefined) header.durable = payload.durable
  if (payload.priority !== undefined) header.priority = payload.priority
  const lifetime = Number.isFinite(message.expiresAtMs)
    ? message.expiresAtMs - message.enqueuedTimeMs
    : payload.timeToLiveMs
  if (lifetime !== undefined && lifetime >= 0 && lifetime <= maxUint) header.ttl = lifetime

  const annotations: Array<Typed> = []
  const add = (key: string, value: Typed) => annotations.push(types.wrap_symbol(key), value)
  if (payload.annotations !== undefined) {
    for (const [key, value] of Object.entries(payload.annotations)) add(key, types.wrap(value))
  }
  add("x-opt-sequence-number", types.wrap_long(message.sequenceNumber))
  add("x-opt-enqueued-time", types.wrap_timestamp(message.enqueuedTimeMs))
  if (message.lock !== undefined) add("x-opt-locked-until", types.wrap_timestamp(message.lock.lockedUntilMs))
  if (message.state !== "active") add("x-opt-message-state", types.wrap_int(messageStates[message.state]))
  if (message.deadLetterSource !== undefined)
    add("x-opt-deadletter-source", types.wrap_string(message.deadLetterSource))

  const bare =
    message.propertyOverrides === undefined
      ? payload.bare
      : payload.bareWithApplicationProperties(message.applicationProperties())
  const head = writeSectionsInPlace([
    messageHelpers.header(header).described(),
    ...(lockToken === undefined
      ? []
      : [
          types.described(
            types.wrap_ulong(sectionCodes.deliveryAnnotations),
            types.Map32([types.wrap_symbol("x-opt-lock-token"), types.wrap_uuid(lockToken)]),
          ),
        ]),
    types.described(types.wrap_ulong(sectionCodes.messageAnnotations), types.Map32(annotations)),
  ])
  const encoded = Buffer.allocUnsafe(head.length + bare.length)
  head.copy(encoded, 0)
  bare.copy(encoded, head.length)
  return encoded
}
