import { skipValue } from "./sections.ts"

/** Index of group-id (the session id) in the AMQP properties list. */
export const groupIdField = 10

/**
 * Reads one string field of an encoded properties section (described list) by skipping the fields before it, without
 * decoding the others. `missing` when the field is absent or null; `undefined` when it is not a string (the caller
 * falls back to a full decode).
 */
export const propertiesStringField = (
  bare: Buffer,
  sectionStart: number,
  index: number,
): string | "missing" | undefined => {
  let position = skipValue(bare, sectionStart + 1) // past the 0x00 and the descriptor
  const code = bare[position]
  let count: number
  if (code === 0x45) return "missing"
  if (code === 0xc0) {
    count = bare[position + 2] as number
    position += 3
  } else if (code === 0xd0) {
    count = bare.readUInt32BE(position + 5)
    position += 9
  } else {
    return undefined
  }
  if (count <= index) return "missing"
  for (let i = 0; i < index; i++) position = skipValue(bare, position)
  const type = bare[position]
  if (type === 0x40) return "missing"
  if (type === 0xa1) return bare.toString("utf8", position + 2, position + 2 + (bare[position + 1] as number))
  if (type === 0xb1) {
    const length = bare.readUInt32BE(position + 1)
    return bare.toString("utf8", position + 5, position + 5 + length)
  }
  return undefined
}
