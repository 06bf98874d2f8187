import { Duplex } from "node:stream"
import type { RawData, WebSocket } from "ws"

const toBuffer = (data: RawData): Buffer => {
  if (Buffer.isBuffer(data)) return data
  if (Array.isArray(data)) return Buffer.concat(data)
  return Buffer.from(data)
}

/**
 * The byte stream carried by an AMQP WebSocket (binary messages, RFC 6455 with subprotocol AMQPWSB10) as a Duplex,
 * so rhea reads and writes it like a socket. Writes made while corked leave as one WebSocket message: AMQP frames
 * may be split or joined across messages freely.
 */
export class WebSocketStream extends Duplex {
  private readonly socket: WebSocket

  constructor(socket: WebSocket) {
    super({ allowHalfOpen: false })
    this.socket = socket
    socket.on("message", (data: RawData, isBinary: boolean) => {
      if (!isBinary) {
        this.destroy(new Error("AMQP over WebSocket carries binary messages only"))
        return
      }
      if (!this.push(toBuffer(data))) socket.pause()
    })
    socket.on("close", () => this.push(null))
    socket.on("error", (error: Error) => this.destroy(error))
  }

  get remoteAddress(): string | undefined {
    return (this.socket as unknown as { _socket?: { remoteAddress?: string } })._socket?.remoteAddress
  }

  override _read(): void {
    this.socket.resume()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.send(chunk, callback)
  }

  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    this.send(Buffer.concat(chunks.map(({ chunk }) => chunk)), callback)
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.close(1000)
    callback()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.terminate()
    callback(error)
  }

  private send(data: Buffer, callback: (error?: Error | null) => void): void {
    if (this.socket.readyState !== this.socket.OPEN) {
      callback(new Error("the WebSocket is closed"))
      return
    }
    this.socket.send(data, { binary: true }, (error) => callback(error ?? null))
  }
}
