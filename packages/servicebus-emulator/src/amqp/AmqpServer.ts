import type { Duplex } from "node:stream"
import rhea, { type Connection, type EventContext, type Session } from "rhea"
import type { Broker } from "../broker/Broker.ts"
import type { Logger } from "../log.ts"
import type { TransportInfo } from "../transport/TransportListener.ts"
import { type LinkContext, onReceiverOpen, onSenderOpen, type ReceiverLinkHandle } from "./attachLinks.ts"
import { ConnectionState } from "./ConnectionState.ts"
import { FrameGuard } from "./FrameGuard.ts"
import { batchSocketWrites, connectionInternals, deliverEncodedBytes, guardInput } from "./rheaInternals.ts"
import { installSaslMechanisms, PlainWithKey } from "./sasl.ts"
import type { SharedAccessPolicy } from "./sharedAccessSignature.ts"

export interface AmqpServerOptions {
  readonly broker: Broker
  readonly policies: ReadonlyArray<SharedAccessPolicy>
  /** Host names a token's audience may name (the namespace's names, as Service Bus checks its own). */
  readonly hostnames: ReadonlySet<string>
  readonly logger: Logger
  /** The max-frame-size advertised in the emulator's open and enforced on every incoming frame. */
  readonly maxFrameSize: number
  /** The frame size limit until the client's open frame has been read (SASL frames, the open itself). */
  readonly handshakeFrameLimit: number
}

interface Tracked {
  readonly state: ConnectionState
  readonly consumers: Set<ReceiverLinkHandle>
  readonly info: TransportInfo
}

/** The AMQP 1.0 server: rhea connections over whatever byte stream the transport listener accepted. */
export class AmqpServer {
  private readonly options: AmqpServerOptions
  private readonly container = rhea.create_container({ id: "haymaker-servicebus-emulator" })
  private readonly connections = new Map<Connection, Tracked>()
  private nextConnectionId = 1
  private closing = false

  constructor(options: AmqpServerOptions) {
    this.options = options
    installSaslMechanisms(this.container, options.policies)
    this.registerEvents()
  }

  get connectionCount(): number {
    return this.connections.size
  }

  /** Asks every client to close (amqp:connection:forced); the transport destroys what is left after a grace period. */
  closeConnections(): void {
    this.closing = true
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
  }

  /** Releases what every connection still holds (locks of consumers go back to their entities' timers). */
  dispose(): void {
    for (const tracked of this.connections.values()) for (const consumer of tracked.consumers) consumer.detach()
    this.connections.clear()
  }

  accept(stream: Duplex, info: TransportInfo): void {
    if (this.closing) {
      stream.destroy()
      return
    }
    const id = `c${this.nextConnectionId++}`
    const connection = this.container.create_connection({
      id,
      container_id: "haymaker-servicebus-emulator",
      max_frame_size: this.options.maxFrameSize,
      // Incoming transfers are accepted or rejected explicitly once the broker has taken them.
      autoaccept: false,
      // Abandon and defer are both "modified"; they must not be reported as "released".
      treat_modified_as_released: false,
      properties: { product: "haymaker-servicebus-emulator" },
    } as unknown as Parameters<typeof this.container.create_connection>[0])
    batchSocketWrites(connection, stream)
    const guard = new FrameGuard(this.options)
    guardInput(connection, (chunk) => {
      const violation = guard.inspect(chunk)
      if (violation === undefined) return true
      this.options.logger.warn("framing error; connection closed", {
        connection: id,
        transport: info.transport,
        remoteAddress: info.remoteAddress,
        reason: violation,
      })
      if (connection.is_open()) {
        try {
          connection.close({ condition: "amqp:connection:framing-error", description: violation })
        } catch {
          // The stream is destroyed below either way.
        }
      }
      setImmediate(() => stream.destroy())
      return false
    })
    const state = new ConnectionState(id, connection)
    this.connections.set(connection, { state, consumers: new Set(), info })
    stream.on("error", (error) => this.options.logger.debug("stream error", { connection: id, error }))
    ;(connection as unknown as { accept(socket: Duplex): void }).accept(stream)
    this.options.logger.debug("connection accepted", { connection: id, transport: info.transport })
  }

  private tracked(connection: Connection): Tracked | undefined {
    return this.connections.get(connection)
  }

  private registerEvents(): void {
    const { logger } = this.options
    const linkContext: LinkContext = {
      broker: this.options.broker,
      policies: this.options.policies,
      hostnames: this.options.hostnames,
      logger,
    }
    this.container.on("connection_open", (context: EventContext) => {
      const tracked = this.tracked(context.connection)
      if (tracked === undefined) return
      const sasl = connectionInternals(context.connection).sasl_transport
      const mechanism = sasl?.transports?.[3]?.mechanism ?? sasl?.mechanism
      if (mechanism instanceof PlainWithKey && mechanism.outcome === true) tracked.state.namespaceAccess = true
      tracked.info.handshakeComplete()
      logger.debug("connection opened", { connection: tracked.state.id, transport: tracked.info.transport })
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
