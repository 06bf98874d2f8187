/**
 * A minimal scanner for the sections of an encoded AMQP message. It finds section boundaries without decoding
 * values (the size of every AMQP 1.0 encoding follows from its type code's high nibble), so the bare message can be
 * kept as received and only the header and annotations are re-encoded on delivery.
 */
export const sectionCodes = {
  header: 0x70,
  deliveryAnnotations: 0x71,
  messageAnnotations: 0x72,
  properties: 0x73,
  applicationProperties: 0x74,
  data: 0x75,
  sequence: 0x76,
  value: 0x77,
  footer: 0x78,
} as const

const symbolicCodes: Readonly<Record<string, number>> = {
  "amqp:header:list": 0x70,
  "amqp:delivery-annotations:map": 0x71,
  "amqp:message-annotations:map": 0x72,
  "amqp:properties:list": 0x73,
  "amqp:application-properties:map": 0x74,
  "amqp:data:binary": 0x75,
  "amqp:amqp-sequence:list": 0x76,
  "amqp:value:*": 0x77,
  "amqp:footer:map": 0x78,
}

export interface Section {
  readonly code: number
  readonly start: number
  /** Where the section's value starts (after the descriptor). */
  readonly valueStart: number
  readonly end: number
}

export class MessageFormatError extends Error {
  override readonly name = "MessageFormatError"
}

/** Offset just past the encoded value starting at `offset`. */
export const skipValue = (buffer: Buffer, offset: number): number => {
  if (offset >= buffer.length) throw new MessageFormatError(`truncated AMQP value at offset ${offset}`)
  const code = buffer[offset] as number
  let position = offset + 1
  if (code === 0x00) {
    position = skipValue(buffer, position)
    return skipValue(buffer, position)
  }
  let end: number
  switch (code >> 4) {
    case 0x4:
      end = position
      break
    case 0x5:
      end = position + 1
      break
    case 0x6:
      end = position + 2
      break
    case 0x7:
      end = position + 4
      break
    case 0x8:
      end = position + 8
      break
    case 0x9:
      end = position + 16
      break
    case 0xa:
    case 0xc:
    case 0xe:
      if (position >= buffer.length) throw new MessageFormatError(`truncated AMQP value at offset ${offset}`)
      end = position + 1 + (buffer[position] as number)
      break
    case 0xb:
    case 0xd:
    case 0xf:
      if (position + 4 > buffer.length) throw new MessageFormatError(`truncated AMQP value at offset ${offset}`)
      end = position + 4 + buffer.readUInt32BE(position)
      break
    default:
      throw new MessageFormatError(`unknown AMQP type code 0x${code.toString(16)} at offset ${offset}`)
  }
  if (end > buffer.length) throw new MessageFormatError(`truncated AMQP value at offset ${offset}`)
  return end
}

const descriptorCode = (buffer: Buffer, offset: number): { readonly code: number; readonly next: number } => {
  const type = buffer[offset]
  if (type === 0x53) return { code: buffer[offset + 1] as number, next: offset + 2 }
  if (type === 0x80) {
    if (buffer.readUInt32BE(offset + 1) !== 0) return { code: -1, next: offset + 9 }
    return { code: buffer.readUInt32BE(offset + 5), next: offset + 9 }
  }
  if (type === 0x44) return { code: 0, next: offset + 1 }
  if (type === 0xa3 || type === 0xb3) {
    const next = skipValue(buffer, offset)
    const start = type === 0xa3 ? offset + 2 : offset + 5
    return { code: symbolicCodes[buffer.toString("latin1", start, next)] ?? -1, next }
  }
  throw new MessageFormatError(`unexpected section descriptor type 0x${(type ?? 0).toString(16)} at offset ${offset}`)
}

export const scanSections = (buffer: Buffer): Array<Section> => {
  const sections: Array<Section> = []
  let position = 0
  while (position < buffer.length) {
    if (buffer[position] !== 0x00) {
      throw new MessageFormatError(`expected a described message section at offset ${position}`)
    }
    const { code, next } = descriptorCode(buffer, position + 1)
    const end = skipValue(buffer, next)
    sections.push({ code, start: position, valueStart: next, end })
    position = end
  }
  return sections
}

/** The bytes of a binary value (a data section's payload). */
export const binaryValue = (buffer: Buffer, valueStart: number): Buffer => {
  const type = buffer[valueStart]
  if (type === 0xa0) return buffer.subarray(valueStart + 2, valueStart + 2 + (buffer[valueStart + 1] as number))
  if (type === 0xb0) {
    const size = buffer.readUInt32BE(valueStart + 1)
    return buffer.subarray(valueStart + 5, valueStart + 5 + size)
  }
  throw new MessageFormatError(`expected binary data at offset ${valueStart}`)
}
