import { randomBytes } from "node:crypto"

/**
 * Lock tokens are GUIDs on the wire. Internally a token is a counter; the GUID is a per-broker random prefix plus
 * the counter, so issuing one costs no entropy and looking one up is a number-keyed map access.
 *
 * The delivery tag carries the GUID in .NET byte order (first three groups little-endian), which the SDK reorders;
 * management requests carry it as an AMQP uuid in RFC 4122 order.
 */
export class LockTokens {
  private readonly prefix: Buffer = randomBytes(8)
  private readonly dotnetPrefix: Buffer
  private next = 1

  constructor() {
    const p = this.prefix
    this.dotnetPrefix = Buffer.from([p[3], p[2], p[1], p[0], p[5], p[4], p[7], p[6]] as Array<number>)
  }

  issue(): number {
    return this.next++
  }

  /** RFC 4122 byte order, as in management request/response bodies. */
  toUuid(token: number): Buffer {
    const out = Buffer.allocUnsafe(16)
    this.prefix.copy(out, 0)
    writeCounter(out, token)
    return out
  }

  /** .NET Guid byte order, as the delivery tag of a transfer. */
  toDeliveryTag(token: number): Buffer {
    const out = Buffer.allocUnsafe(16)
    this.dotnetPrefix.copy(out, 0)
    writeCounter(out, token)
    return out
  }

  fromUuid(uuid: Uint8Array): number | undefined {
    if (uuid.length !== 16) return undefined
    for (let i = 0; i < 8; i++) if (uuid[i] !== this.prefix[i]) return undefined
    const view = Buffer.from(uuid.buffer, uuid.byteOffset, 16)
    return view.readUInt32BE(8) * 2 ** 32 + view.readUInt32BE(12)
  }

  toGuidString(token: number): string {
    const hex = this.toUuid(token).toString("hex")
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
  }
}

const writeCounter = (out: Buffer, token: number): void => {
  out.writeUInt32BE(Math.floor(token / 2 ** 32), 8)
  out.writeUInt32BE(token >>> 0, 12)
}
