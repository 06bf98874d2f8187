import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http"
import { createServer, type Server, type Socket } from "node:net"
import rhea, { type Connection, type EventContext, type Session } from "rhea"
import type { Broker } from "../broker/Broker.ts"
import type { Logger } from "../log.ts"
import { type LinkContext, onReceiverOpen, onSenderOpen, type ReceiverLinkHandle } from "./attachLinks.ts"
import { ConnectionState } from "./ConnectionState.ts"
import { batchSocketWrites, connectionInternals, deliverEncodedBytes } from "./rheaInternals.ts"
import { installSaslMechanisms, PlainWithKey } from "./sasl.ts"
import type { SharedAccessPolicy } from "./sharedAccessSignature.ts"

export interface AmqpServerOptions {
  readonly broker: Broker
  readonly policies: ReadonlyArray<SharedAccessPolicy>
  readonly logger: Logger
  /**
   * Serves HTTP requests arriving on the AMQP port (the management API: SDKs send it to the connection string's
   * host and port). Connections are told apart by their first byte: AMQP's header starts with "A".
   */
  readonly httpHandler?: (request: IncomingMessage, response: ServerResponse) => void
}

const amqpHeaderFirstByte = 0x41

interface Tracked {
  readonly state: ConnectionState
  readonly consumers: Set<ReceiverLinkHandle>
}

// After asking clients to close, sockets still open after this long are destroyed.
const closeGraceMs = 250

/** The AMQP 1.0 listener: rhea connections over plain TCP (what `UseDevelopmentEmulator=true` selects). */
export class AmqpServer {
  private readonly options: AmqpServerOptions
  private readonly container = rhea.create_container({ id: "haymaker-servicebus-emulator" })
  private readonly server: Server
  private readonly http: ReturnType<typeof createHttpServer> | undefined
  private readonly sockets = new Set<Socket>()
  private readonly connections = new Map<Connection, Tracked>()
  private nextConnectionId = 1
  private closing = false

  constructor(options: AmqpServerOptions) {
    this.options = options
    installSaslMechanisms(this.container, options.policies)
    this.registerEvents()
    this.server = createServer((socket) => this.sniff(socket))
    this.http = options.httpHandler === undefined ? undefined : createHttpServer(options.httpHandler)
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

  get connectionCount(): number {
    return this.connections.size
  }

  /** Stops listening, asks every client to close, and destroys what is left after a short grace period. */
  async close(): Promise<void> {
    if (this.closing) return
    this.closing = true
    const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    this.http?.closeIdleConnections()
    for (const connection of this.connections.keys()) {
      try {
        connection.close({
          condition: "amqp:connection:forced",
          description: "The Service Bus emulator is shutting down.",
        })
      } catch {
        // A connection already torn down by its socket needs no close frame.
      }
    }
    await new Promise<void>((resolve) => {
      const deadline = setTimeout(resolve, closeGraceMs)
      const check = setInterval(() => {
        if (this.sockets.size === 0) {
          clearTimeout(deadline)
          clearInterval(check)
          resolve()
        }
      }, 10)
      deadline.unref()
      setTimeout(() => clearInterval(check), closeGraceMs + 10).unref()
    })
    for (const socket of this.sockets) socket.destroy()
    for (const tracked of this.connections.values()) for (const consumer of tracked.consumers) consumer.detach()
    this.connections.clear()
    await serverClosed
  }

  /** Hands a new connection to rhea (AMQP) or to the HTTP handler, by its first byte. */
  private sniff(socket: Socket): void {
    if (this.closing) {
      socket.destroy()
      return
    }
    this.sockets.add(socket)
    socket.on("close", () => this.sockets.delete(socket))
    if (this.http === undefined) {
      this.accept(socket)
      return
    }
    const http = this.http
    socket.once("data", (first: Buffer) => {
      socket.pause()
      socket.unshift(first)
      if (first[0] === amqpHeaderFirstByte) this.accept(socket)
      else http.emit("connection", socket)
      socket.resume()
    })
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true)
    const id = `c${this.nextConnectionId++}`
    const connection = this.container.create_connection({
      id,
      container_id: "haymaker-servicebus-emulator",
      // Incoming transfers are accepted or rejected explicitly once the broker has taken them.
      autoaccept: false,
      // Abandon and defer are both "modified"; they must not be reported as "released".
      treat_modified_as_released: false,
      properties: { product: "haymaker-servicebus-emulator" },
    } as unknown as Parameters<typeof this.container.create_connection>[0])
    batchSocketWrites(connection, socket)
    const state = new ConnectionState(id, connection)
    this.connections.set(connection, { state, consumers: new Set() })
    ;(connection as unknown as { accept(socket: Socket): void }).accept(socket)
  }

  private tracked(connection: Connection): Tracked | undefined {
    return this.connections.get(connection)
  }

  private registerEvents(): void {
    const { logger } = this.options
    const linkContext: LinkContext = { broker: this.options.broker, policies: this.options.policies, logger }
    this.container.on("connection_open", (context: EventContext) => {
      const tracked = this.tracked(context.connection)
      if (tracked === undefined) return
      const sasl = connectionInternals(context.connection).sasl_transport
      const mechanism = sasl?.transports?.[3]?.mechanism ?? sasl?.mechanism
      if (mechanism instanceof PlainWithKey && mechanism.outcome === true) tracked.state.namespaceAccess = true
      logger.debug("connection opened", { connection: tracked.state.id })
    })
    this.container.on("session_open", (context: EventContext) => {
      if (context.session !== undefined) deliverEncodedBytes(context.session)
    })
    this.container.on("receiver_open", (context: EventContext) => {
      const tracked = this.tracked(context.connection)
      if (tracked === undefined || context.receiver === undefined) return
      onReceiverOpen(context.receiver, tracked.state, linkContext)
    })
    this.container.on("sender_open", (context: EventContext) => {
      const tracked = this.tracked(context.connection)
      const sender = context.sender
      if (tracked === undefined || sender === undefined) return
      const consumer = onSenderOpen(sender, tracked.state, linkContext)
      if (consumer === undefined) return
      tracked.consumers.add(consumer)
      const detach = () => {
        consumer.detach()
        tracked.consumers.delete(consumer)
      }
      sender.on("sender_close", detach)
      sender.on("sender_error", () => undefined)
      this.onSessionEnd(sender.session, detach)
    })
    const forget = (context: EventContext) => {
      const tracked = this.tracked(context.connection)
      if (tracked === undefined) return
      for (const consumer of tracked.consumers) consumer.detach()
      this.connections.delete(context.connection)
      logger.debug("connection closed", { connection: tracked.state.id })
    }
    this.container.on("disconnected", forget)
    this.container.on("connection_close", forget)
    this.container.on("connection_error", (context: EventContext) => {
      logger.debug("connection error", { error: context.connection.error })
    })
    this.container.on("session_error", () => undefined)
    this.container.on("receiver_error", () => undefined)
    this.container.on("sender_error", () => undefined)
    this.container.on("protocol_error", (context: EventContext) => {
      logger.warn("AMQP protocol error", { error: (context as { error?: unknown }).error })
    })
    this.container.on("error", (error: unknown) => logger.warn("AMQP error", { error }))
  }

  private readonly sessionEndHooks = new WeakMap<Session, Array<() => void>>()

  /** Links of a session ended without detaching first are released with it. */
  private onSessionEnd(session: Session, hook: () => void): void {
    let hooks = this.sessionEndHooks.get(session)
    if (hooks === undefined) {
      hooks = []
      this.sessionEndHooks.set(session, hooks)
      const run = () => {
        for (const h of hooks ?? []) h()
      }
      session.on("session_close", run)
      session.on("session_error", () => undefined)
    }
    hooks.push(hook)
  }
}
