import {
  createServer as createHttpServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http"
import { createServer, type Server, type Socket } from "node:net"
import type { Duplex } from "node:stream"
import { createSecureContext, type SecureContext, TLSSocket } from "node:tls"
import { WebSocketServer } from "ws"
import type { Logger } from "../log.ts"
import { WebSocketStream } from "./WebSocketStream.ts"

/** How an AMQP byte stream reached the emulator. */
export type TransportKind = "amqp" | "amqps" | "ws" | "wss"

export interface TransportInfo {
  readonly transport: TransportKind
  readonly remoteAddress: string | undefined
  /** The AMQP handshake completed (the client's open arrived): the handshake timeout stops. */
  readonly handshakeComplete: () => void
}

/** Receives each AMQP connection's byte stream (plain, TLS or WebSocket alike). */
export type AmqpStreamHandler = (stream: Duplex, info: TransportInfo) => void

/**
 * Serves every HTTP(S) request on the AMQP port other than the WebSocket upgrade (the management API plugs in
 * here). `request.socket.encrypted` is true for HTTPS.
 */
export type HttpRequestHandler = (request: IncomingMessage, response: ServerResponse) => void

export interface TlsOptions {
  readonly key: string | Buffer
  readonly cert: string | Buffer
}

export interface TransportListenerOptions {
  /** Without it, TLS handshakes are refused and only plain AMQP, WebSocket and HTTP are served. */
  readonly tls?: TlsOptions
  readonly onAmqp: AmqpStreamHandler
  readonly onHttp: HttpRequestHandler
  /** A connection must complete its TLS, WebSocket and AMQP handshakes (up to the AMQP open) within this time. */
  readonly handshakeTimeoutMs: number
  /** Largest WebSocket message accepted (bigger ones close the WebSocket with 1009). */
  readonly maxWebSocketMessageBytes: number
  readonly logger: Logger
}

/** The path Service Bus serves AMQP over WebSockets on (clients may add a trailing slash). */
export const webSocketPath = "/$servicebus/websocket"
export const webSocketProtocol = "AMQPWSB10"

const tlsRecordHandshake = 0x16
const amqpHeaderStart = 0x41 // "A" of "AMQP"

/** One timer per accepted socket: until the AMQP open (or the first HTTP request) arrives, it may not idle. */
class Handshake {
  private timer: NodeJS.Timeout | undefined

  constructor(socket: Socket, timeoutMs: number, logger: Logger) {
    this.timer = setTimeout(() => {
      logger.info("handshake timed out; connection closed", { remoteAddress: socket.remoteAddress, timeoutMs })
      socket.destroy()
    }, timeoutMs)
    this.timer.unref()
    socket.once("close", () => this.complete())
  }

  complete(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }
}

interface HttpConnection {
  readonly secure: boolean
  readonly handshake: Handshake
}

const pathOf = (url: string | undefined): string => {
  const path = (url ?? "/").split("?")[0] ?? "/"
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path
}

const refuseUpgrade = (socket: Duplex, status: number, reason: string): void => {
  const body = `${reason}\n`
  socket.end(
    `HTTP/1.1 ${status} ${status === 404 ? "Not Found" : "Bad Request"}\r\nconnection: close\r\n` +
      `content-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}

/**
 * The emulator's one port: each accepted socket is told apart by its first byte. "A" starts the AMQP protocol
 * header (plain AMQP); 0x16 starts a TLS handshake, after which the decrypted stream is told apart the same way
 * (AMQPS, or HTTPS); anything else is HTTP, where `GET /$servicebus/websocket` with subprotocol AMQPWSB10 upgrades
 * to AMQP over WebSockets and every other request goes to the HTTP handler.
 */
export class TransportListener {
  private readonly options: TransportListenerOptions
  private readonly server: Server
  private readonly http: HttpServer
  private readonly webSockets: WebSocketServer
  private readonly secureContext: SecureContext | undefined
  private readonly sockets = new Set<Socket>()
  private readonly httpConnections = new WeakMap<Duplex, HttpConnection>()
  private closing = false

  constructor(options: TransportListenerOptions) {
    this.options = options
    this.secureContext = options.tls === undefined ? undefined : createSecureContext(options.tls)
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket))
    this.http = createHttpServer(
      { headersTimeout: options.handshakeTimeoutMs, requestTimeout: 5 * 60_000, keepAliveTimeout: 5_000 },
      (request, response) => {
        this.httpConnections.get(request.socket)?.handshake.complete()
        options.onHttp(request, response)
      },
    )
    this.http.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(request, socket, head),
    )
    this.http.on("clientError", (_error: Error, socket: Duplex) => socket.destroy())
    this.webSockets = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxWebSocketMessageBytes,
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has(webSocketProtocol) ? webSocketProtocol : false),
    })
  }

  get tlsEnabled(): boolean {
    return this.secureContext !== undefined
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject)
      this.server.listen({ host, port }, () => {
        this.server.off("error", reject)
        const address = this.server.address()
        resolve(typeof address === "object" && address !== null ? address.port : port)
      })
    })
  }

  /** Stops accepting; connections already open stay until `drain`. */
  stopAccepting(): Promise<void> {
    this.closing = true
    return new Promise((resolve) => this.server.close(() => resolve()))
  }

  /** Waits up to `graceMs` for open sockets to close, then destroys the rest. */
  async drain(graceMs: number): Promise<void> {
    const deadline = Date.now() + graceMs
    while (this.sockets.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
    for (const socket of this.sockets) socket.destroy()
    this.webSockets.close()
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy()
      return
    }
    this.sockets.add(socket)
    socket.on("close", () => this.sockets.delete(socket))
    socket.on("error", (error) => this.options.logger.debug("socket error", { error }))
    const handshake = new Handshake(socket, this.options.handshakeTimeoutMs, this.options.logger)
    this.route(socket, socket, false, handshake)
  }

  /** Reads the first chunk of `stream` (the raw socket, or the decrypted TLS stream) and dispatches on it. */
  private route(stream: Duplex, socket: Socket, secure: boolean, handshake: Handshake): void {
    stream.once("data", (chunk: Buffer) => {
      stream.pause()
      stream.unshift(chunk)
      const first = chunk[0]
      if (first === tlsRecordHandshake && !secure) {
        if (this.secureContext === undefined) {
          this.options.logger.info("TLS handshake refused: the emulator was started without --tls", {
            remoteAddress: socket.remoteAddress,
          })
          socket.destroy()
          return
        }
        const tls = new TLSSocket(stream as Socket, { isServer: true, secureContext: this.secureContext })
        tls.on("error", (error) => {
          this.options.logger.info("TLS connection failed", { remoteAddress: socket.remoteAddress, error })
          socket.destroy()
        })
        this.route(tls, socket, true, handshake)
        return
      }
      if (first === amqpHeaderStart) {
        this.options.onAmqp(stream, {
          transport: secure ? "amqps" : "amqp",
          remoteAddress: socket.remoteAddress,
          handshakeComplete: () => handshake.complete(),
        })
        stream.resume()
        return
      }
      this.httpConnections.set(stream, { secure, handshake })
      this.http.emit("connection", stream)
      stream.resume()
    })
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const connection = this.httpConnections.get(socket)
    if (connection === undefined || this.closing) {
      socket.destroy()
      return
    }
    if (pathOf(request.url).toLowerCase() !== webSocketPath) {
      refuseUpgrade(socket, 404, `WebSocket upgrades are served at ${webSocketPath} only.`)
      return
    }
    const offered = String(request.headers["sec-websocket-protocol"] ?? "")
      .split(",")
      .map((protocol) => protocol.trim())
    if (!offered.includes(webSocketProtocol)) {
      refuseUpgrade(socket, 400, `AMQP over WebSockets requires the subprotocol ${webSocketProtocol}.`)
      return
    }
    this.webSockets.handleUpgrade(request, socket, head, (webSocket) => {
      const stream = new WebSocketStream(webSocket)
      this.options.onAmqp(stream, {
        transport: connection.secure ? "wss" : "ws",
        remoteAddress: request.socket.remoteAddress,
        handshakeComplete: () => connection.handshake.complete(),
      })
    })
  }
}
