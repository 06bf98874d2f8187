import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { FrameGuard } from "../src/amqp/FrameGuard.ts"

const header = (protocolId: number) => Buffer.from([0x41, 0x4d, 0x51, 0x50, protocolId, 1, 0, 0])
const frame = (size: number, type = 0) => {
  const bytes = Buffer.alloc(size, 0x61)
  bytes.writeUInt32BE(size, 0)
  bytes[4] = 2
  bytes[5] = type
  return bytes
}
const limits = { handshakeFrameLimit: 512, maxFrameSize: 4096 }

/** Feeds `stream` cut at `cuts` (positions in it) and returns the first violation. */
const inspect = (stream: Buffer, cuts: ReadonlyArray<number>): string | undefined => {
  const guard = new FrameGuard(limits)
  const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b)
  let start = 0
  for (const point of [...points, stream.length]) {
    const violation = guard.inspect(stream.subarray(start, point))
    if (violation !== undefined) return violation
    start = point
  }
  return undefined
}

const handshake = [header(3), frame(60, 1), frame(30, 1), header(0), frame(500)]
const cuts = fc.array(fc.nat(), { maxLength: 40 })

describe("FrameGuard", () => {
  it("passes a well-formed stream however it is cut into chunks", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 8, max: 4096 }), { maxLength: 20 }), cuts, (sizes, at) => {
        const stream = Buffer.concat([...handshake, ...sizes.map((size) => frame(size))])
        expect(inspect(stream, at)).toBeUndefined()
      }),
    )
  })

  it("refuses a frame over max-frame-size after the open, and over the handshake limit before it, however cut", () => {
    fc.assert(
      fc.property(cuts, (at) => {
        expect(inspect(Buffer.concat([...handshake, frame(4097)]), at)).toMatch(/exceeds the limit of 4096/)
        expect(inspect(Buffer.concat([header(3), frame(513, 1)]), at)).toMatch(/limit of 512 bytes before the open/)
        expect(inspect(Buffer.concat([header(0), frame(513)]), at)).toMatch(/before the open/)
      }),
    )
  })

  it("refuses what is not AMQP: no protocol header, a TLS protocol header, malformed frame headers", () => {
    expect(inspect(Buffer.from("GET / HTTP/1.1\r\n\r\n"), [])).toMatch(/protocol header/)
    expect(inspect(header(2), [])).toMatch(/protocol id 2/)
    expect(inspect(Buffer.concat([header(0), frame(8).fill(0, 0, 4)]), [])).toMatch(/malformed/)
    const badOffset = frame(16)
    badOffset[4] = 5
    expect(inspect(Buffer.concat([header(0), badOffset]), [])).toMatch(/malformed/)
  })

  it("needs only the 8 header bytes to refuse a 4 GB frame", () => {
    const guard = new FrameGuard(limits)
    expect(guard.inspect(header(3))).toBeUndefined()
    expect(guard.inspect(Buffer.from([0xff, 0xff, 0xff, 0xff, 2, 1, 0, 0]))).toMatch(/4294967295 bytes/)
  })
})
