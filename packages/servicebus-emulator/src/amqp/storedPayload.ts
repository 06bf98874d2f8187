import type { Payload } from "../broker/BrokeredMessage.ts"
import type { PayloadCodec } from "../persistence/PayloadCodec.ts"
import { AmqpPayload, writeSections, writeSectionsInPlace } from "./AmqpPayload.ts"
import { messageHelpers, type Typed, types } from "./rheaTypes.ts"
import { sectionCodes } from "./sections.ts"

/**
 * A stored message as an encoded AMQP message that `AmqpPayload.decode` reads back into the same payload: the
 * header fields and sender annotations it keeps, then the bare message exactly as stored (its message-id, assigned
 * or not, included).
 */
const encode = (payload: Payload): ReadonlyArray<Uint8Array> => {
  const amqp = payload as AmqpPayload
  const header: Record<string, unknown> = {}
  if (amqp.durable !== undefined) header.durable = amqp.durable
  if (amqp.priority !== undefined) header.priority = amqp.priority
  if (amqp.timeToLiveMs !== undefined) header.ttl = amqp.timeToLiveMs
  const sections: Array<Typed> = [messageHelpers.header(header).described()]
  if (amqp.annotations !== undefined) {
    const entries: Array<Typed> = []
    for (const [key, value] of Object.entries(amqp.annotations)) entries.push(types.wrap_symbol(key), types.wrap(value))
    sections.push(types.described(types.wrap_ulong(sectionCodes.messageAnnotations), types.Map32(entries)))
  }
  // The sections stay in the shared scratch buffer: the journal copies them before anything else is encoded.
  return [writeSectionsInPlace(sections), amqp.bare]
}

export const amqpPayloadCodec: PayloadCodec = {
  encode,
  decode: (bytes) => AmqpPayload.decode(bytes),
  encodeProperties: (properties) =>
    writeSections([types.described(types.wrap_ulong(sectionCodes.applicationProperties), types.wrap_map(properties))]),
  decodeProperties: (bytes) => messageHelpers.decode(bytes).application_properties ?? {},
}
