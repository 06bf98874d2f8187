/**
 * Watches the incoming AMQP byte stream of one connection before rhea sees it, and refuses frames larger than the
 * connection allows as soon as their 8-byte header arrives: rhea would otherwise buffer a frame whole, whatever size
 * its header claims. Until the client's open frame has been read (protocol headers, SASL frames, the open itself)
 * frames are limited to `handshakeFrameLimit`; afterwards to the `maxFrameSize` the emulator advertised in its open.
 */
export class FrameGuard {
  private readonly handshakeFrameLimit: number
  private readonly maxFrameSize: number
  /** "header": a protocol header must come next; "sasl": SASL frames or the AMQP header; "amqp": AMQP frames. */
  private phase: "header" | "sasl" | "amqp" = "header"
  private amqpFrames = 0
  /** Bytes of the current frame's body still to pass through unexamined. */
  private bodyLeft = 0
  private readonly head = Buffer.alloc(8)
  private headLength = 0

  constructor(limits: { readonly handshakeFrameLimit: number; readonly maxFrameSize: number }) {
    this.handshakeFrameLimit = limits.handshakeFrameLimit
    this.maxFrameSize = limits.maxFrameSize
  }

  /** Examines the next chunk of the stream; returns why the connection must be closed, or undefined. */
  inspect(chunk: Buffer): string | undefined {
    let offset = 0
    while (offset < chunk.length) {
      if (this.bodyLeft > 0) {
        const skipped = Math.min(this.bodyLeft, chunk.length - offset)
        this.bodyLeft -= skipped
        offset += skipped
        continue
      }
      let header: Buffer = chunk
      let at = offset
      if (this.headLength === 0 && offset + 8 <= chunk.length) {
        // The whole header is in this chunk (the usual case): read it where it is.
        offset += 8
      } else {
        const copied = chunk.copy(this.head, this.headLength, offset, offset + 8 - this.headLength)
        this.headLength += copied
        offset += copied
        if (this.headLength < 8) return undefined
        this.headLength = 0
        header = this.head
        at = 0
      }
      const violation = this.onHeader(header, at)
      if (violation !== undefined) return violation
    }
    return undefined
  }

  private onHeader(head: Buffer, at: number): string | undefined {
    if (this.phase !== "amqp" && head.toString("latin1", at, at + 4) === "AMQP") {
      const protocolId = head[at + 4]
      if (protocolId === 3) this.phase = "sasl"
      else if (protocolId === 0) this.phase = "amqp"
      else return `unsupported AMQP protocol id ${protocolId} (TLS is negotiated on the port, not in AMQP)`
      return undefined
    }
    if (this.phase === "header") return "expected the AMQP protocol header"
    const size = head.readUInt32BE(at)
    const dataOffset = (head[at + 4] as number) * 4
    if (size < 8 || dataOffset < 8 || dataOffset > size) return `malformed frame header (size ${size})`
    const limit = this.phase === "amqp" && this.amqpFrames > 0 ? this.maxFrameSize : this.handshakeFrameLimit
    if (size > limit) {
      return `frame of ${size} bytes exceeds the limit of ${limit} bytes${limit === this.maxFrameSize ? " (max-frame-size)" : " before the open"}`
    }
    if (this.phase === "amqp") this.amqpFrames++
    this.bodyLeft = size - 8
    return undefined
  }
}
