import { once } from "node:events"
import { createRequire } from "node:module"
import { connect as connectTcp, type Socket } from "node:net"
import { connect as connectTls } from "node:tls"

/**
 * A bare AMQP 1.0 client over a socket, for input no SDK produces (oversize frame headers, stalled handshakes,
 * transfers that outgrow their link). Frames are encoded and decoded with rhea's frame definitions, so the bytes are
 * well-formed wherever the test does not mean them to be otherwise.
 */

interface Performative {
  readonly constructor: { readonly descriptor: { readonly symbolic: string } }
  readonly [field: string]: unknown
}

export interface Frame {
  readonly type: number
  readonly channel: number
  readonly performative?: Performative
  readonly payload?: Buffer
}

type Fields = Readonly<Record<string, unknown>>

interface RheaFrames {
  read_frame(buffer: Buffer): (Frame & { readonly size: number }) | null
  write_frame(frame: unknown): Buffer
  amqp_frame(channel: number, performative: unknown, payload?: Buffer): unknown
  sasl_frame(performative: unknown): unknown
  readonly [performative: string]: unknown
}

const require = createRequire(import.meta.url)
const frames = require("rhea/lib/frames.js") as RheaFrames
const terminus = require("rhea/lib/terminus.js") as {
  source(fields: Fields): { described(): unknown }
  target(fields: Fields): { described(): unknown }
}

const performative = (name: string, fields: Fields): unknown => (frames[name] as (fields: Fields) => unknown)(fields)

/** The kind of a performative: "open", "sasl-outcome", "attach", "flow", "detach", "close", … */
export const kindOf = (frame: Frame): string =>
  frame.performative?.constructor.descriptor.symbolic
    .replace(/^amqp:/, "")
    .replace(/:list$/, "")
    .replaceAll("_", "-") ?? "empty"

export const protocolHeader = (protocolId: 0 | 3): Buffer => Buffer.from([0x41, 0x4d, 0x51, 0x50, protocolId, 1, 0, 0])

/** A frame header announcing a frame of `size` bytes (no body follows unless the caller sends one). */
export const frameHeader = (size: number, type = 0): Buffer => {
  const header = Buffer.alloc(8)
  header.writeUInt32BE(size, 0)
  header[4] = 2
  header[5] = type
  return header
}

export const amqpFrame = (name: string, fields: Fields, channel = 0, payload?: Buffer): Buffer =>
  frames.write_frame(frames.amqp_frame(channel, performative(name, fields), payload))

export const saslFrame = (name: string, fields: Fields): Buffer =>
  frames.write_frame(frames.sasl_frame(performative(name, fields)))

export const source = (address: string): unknown => terminus.source({ address }).described()
export const target = (address: string): unknown => terminus.target({ address }).described()

export class RawAmqpConnection {
  readonly socket: Socket
  readonly closed: Promise<void>
  private input = Buffer.alloc(0)
  private readonly received: Array<Frame | { readonly header: Buffer }> = []
  private wake: (() => void) | undefined

  private constructor(socket: Socket) {
    this.socket = socket
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()))
    socket.on("error", () => undefined)
    socket.on("data", (chunk: Buffer) => {
      this.input = Buffer.concat([this.input, chunk])
      this.parse()
    })
    socket.on("close", () => this.wake?.())
  }

  static async connect(port: number, options: { readonly ca?: string } = {}): Promise<RawAmqpConnection> {
    const socket =
      options.ca === undefined
        ? connectTcp({ host: "127.0.0.1", port })
        : connectTls({ host: "127.0.0.1", port, ca: options.ca, servername: "localhost" })
    await once(socket, options.ca === undefined ? "connect" : "secureConnect")
    return new RawAmqpConnection(socket)
  }

  get isClosed(): boolean {
    return this.socket.closed
  }

  write(bytes: Buffer): boolean {
    return this.socket.write(bytes)
  }

  /** Writes and waits until the socket can take more (so a long stream is paced by the peer's reading). */
  async writePaced(bytes: Buffer): Promise<void> {
    if (!this.socket.write(bytes)) await Promise.race([once(this.socket, "drain"), this.closed])
  }

  /** The next protocol header or frame; rejects when the connection closes first. */
  async next(): Promise<Frame | { readonly header: Buffer }> {
    while (this.received.length === 0) {
      if (this.socket.closed) throw new Error("the connection closed")
      await new Promise<void>((resolve) => {
        this.wake = resolve
      })
      this.wake = undefined
    }
    return this.received.shift() as Frame | { readonly header: Buffer }
  }

  /** Skips frames until one of `kind` arrives. */
  async expect(kind: string): Promise<Frame> {
    for (;;) {
      const next = await this.next()
      if ("header" in next) continue
      if (kindOf(next) === kind) return next
    }
  }

  /** SASL (ANONYMOUS, or PLAIN with a key, which grants the namespace) and the AMQP header, as clients begin. */
  async authenticate(plain?: { readonly keyName: string; readonly key: string }): Promise<void> {
    this.write(protocolHeader(3))
    await this.expect("sasl-mechanisms")
    this.write(
      saslFrame(
        "sasl_init",
        plain === undefined
          ? { mechanism: "ANONYMOUS" }
          : { mechanism: "PLAIN", initial_response: Buffer.from(`\0${plain.keyName}\0${plain.key}`) },
      ),
    )
    const outcome = await this.expect("sasl-outcome")
    if (outcome.performative?.code !== 0) throw new Error(`SASL failed with code ${String(outcome.performative?.code)}`)
    this.write(protocolHeader(0))
  }

  /** Open and begin; returns the emulator's open. */
  async openSession(): Promise<Frame> {
    this.write(amqpFrame("open", { container_id: "raw-client", hostname: "127.0.0.1", max_frame_size: 65536 }))
    const open = await this.expect("open")
    this.write(amqpFrame("begin", { next_outgoing_id: 0, incoming_window: 2048, outgoing_window: 2048 }))
    await this.expect("begin")
    return open
  }

  close(): void {
    this.socket.destroy()
  }

  private parse(): void {
    for (;;) {
      if (this.input.length >= 8 && this.input.toString("latin1", 0, 4) === "AMQP") {
        this.received.push({ header: this.input.subarray(0, 8) })
        this.input = this.input.subarray(8)
        continue
      }
      if (this.input.length < 8) break
      const size = this.input.readUInt32BE(0)
      if (this.input.length < size) break
      const frame = frames.read_frame(this.input.subarray(0, size))
      this.input = this.input.subarray(size)
      if (frame !== null) this.received.push(frame)
    }
    this.wake?.()
  }
}
