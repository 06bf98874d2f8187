// Minimal DER (ASN.1 Distinguished Encoding Rules) writer: just the types an X.509 v3 certificate needs.

const encodeLength = (length: number): Buffer => {
  if (length < 0x80) return Buffer.from([length])
  const bytes: Array<number> = []
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

/** A TLV with an arbitrary tag byte. */
export const tlv = (tag: number, content: Uint8Array): Buffer =>
  Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content])

export const sequence = (...items: ReadonlyArray<Uint8Array>): Buffer => tlv(0x30, Buffer.concat(items))

export const set = (...items: ReadonlyArray<Uint8Array>): Buffer => tlv(0x31, Buffer.concat(items))

export const boolean = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0x00]))

/** A non-negative INTEGER from big-endian magnitude bytes (a leading zero keeps it positive). */
export const unsignedInteger = (magnitude: Uint8Array): Buffer => {
  let start = 0
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++
  const trimmed = magnitude.subarray(start)
  const needsPad = trimmed.length === 0 || (trimmed[0] ?? 0) >= 0x80
  return tlv(0x02, needsPad ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed)
}

export const smallInteger = (value: number): Buffer => unsignedInteger(Buffer.from([value]))

export const objectIdentifier = (dotted: string): Buffer => {
  const arcs = dotted.split(".").map(Number)
  const [first = 0, second = 0, ...rest] = arcs
  const bytes: Array<number> = [first * 40 + second]
  for (const arc of rest) {
    const base128: Array<number> = [arc & 0x7f]
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) {
      base128.unshift((value & 0x7f) | 0x80)
    }
    bytes.push(...base128)
  }
  return tlv(0x06, Buffer.from(bytes))
}

export const utf8String = (value: string): Buffer => tlv(0x0c, Buffer.from(value, "utf8"))

export const octetString = (content: Uint8Array): Buffer => tlv(0x04, content)

/** A BIT STRING whose last `unusedBits` bits are padding. */
export const bitString = (content: Uint8Array, unusedBits = 0): Buffer =>
  tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), content]))

/** UTCTime (YYMMDDHHMMSSZ) for dates before 2050, GeneralizedTime after, as RFC 5280 requires. */
export const time = (date: Date): Buffer => {
  const pad = (n: number) => String(n).padStart(2, "0")
  const year = date.getUTCFullYear()
  const rest = `${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`
  return year < 2050
    ? tlv(0x17, Buffer.from(`${pad(year % 100)}${rest}`, "ascii"))
    : tlv(0x18, Buffer.from(`${year}${rest}`, "ascii"))
}

/** Context-specific constructed tag `[n] EXPLICIT`. */
export const explicit = (n: number, content: Uint8Array): Buffer => tlv(0xa0 | n, content)

/** Context-specific primitive tag `[n] IMPLICIT` (used by GeneralName choices). */
export const implicit = (n: number, content: Uint8Array): Buffer => tlv(0x80 | n, content)
