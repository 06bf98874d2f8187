const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")

/**
 * A message id as text, without losing anything. AMQP message ids are strings, unsigned longs, UUIDs or binary:
 * strings stay as they are, numbers become their decimal digits, a UUID (16 bytes, how the JS SDK sends a `Buffer`
 * id) its canonical `8-4-4-4-12` form, other bytes their hex digits. (`String(buffer)` decodes the bytes as UTF-8,
 * which maps distinct binary ids onto the same text.) No id is `""`.
 */
export const renderMessageId = (id: unknown): string => {
  if (typeof id === "string") return id
  if (id === undefined || id === null) return ""
  if (typeof id === "number" || typeof id === "bigint") return String(id)
  if (id instanceof Uint8Array) {
    const digits = hex(id)
    return id.byteLength === 16
      ? `${digits.slice(0, 8)}-${digits.slice(8, 12)}-${digits.slice(12, 16)}-${digits.slice(16, 20)}-${digits.slice(20)}`
      : digits
  }
  // A `Long` (an unsigned long beyond 2^53) prints its decimal digits; anything else what it says of itself.
  return String(id)
}
