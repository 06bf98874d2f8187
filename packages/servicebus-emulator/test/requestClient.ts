import { once } from "node:events"
import rhea, { type Connection, type EventContext, type Message, type Receiver, type Sender } from "rhea"

/**
 * A request/response client on rhea (no SDK in between), to send requests the SDKs never send: malformed tokens,
 * requests without reply-to or with the node address as reply-to (as uamqp does).
 */
export interface Reply {
  readonly status: number
  readonly description: string | undefined
  readonly properties: Readonly<Record<string, unknown>>
  readonly correlationId: unknown
  readonly body: unknown
}

export interface RequestLink {
  /** Sends a request and resolves with the reply that correlates to it. */
  request(message: Message): Promise<Reply>
  readonly receiverName: string
}

export class RequestClient {
  readonly connection: Connection
  private nextId = 1

  private constructor(connection: Connection) {
    this.connection = connection
  }

  /** Connects over plain AMQP; `plain` authenticates with the key (SASL PLAIN grants the namespace). */
  static async connect(
    port: number,
    plain?: { readonly keyName: string; readonly key: string },
  ): Promise<RequestClient> {
    const container = rhea.create_container({ id: "request-client" })
    const connection = container.connect({
      host: "127.0.0.1",
      port,
      reconnect: false,
      hostname: "127.0.0.1",
      ...(plain === undefined ? {} : { username: plain.keyName, password: plain.key }),
    })
    await once(connection, "connection_open")
    return new RequestClient(connection)
  }

  /** Opens a sender to `node` and a receiver from it in one session, as request/response clients do. */
  async link(node: string): Promise<RequestLink> {
    const session = this.connection.create_session()
    session.begin()
    const receiver: Receiver = session.attach_receiver({ source: { address: node }, credit_window: 100 })
    const sender: Sender = session.attach_sender({ target: { address: node } })
    await Promise.all([once(receiver, "receiver_open"), once(sender, "sendable")])
    const waiting = new Map<unknown, (reply: Reply) => void>()
    receiver.on("message", (context: EventContext) => {
      const message = context.message as Message
      const properties = (message.application_properties ?? {}) as Record<string, unknown>
      const reply: Reply = {
        status: Number(properties["status-code"] ?? properties.statusCode),
        description: (properties["status-description"] ?? properties.statusDescription) as string | undefined,
        properties,
        correlationId: message.correlation_id,
        body: message.body,
      }
      const resolve = waiting.get(message.correlation_id)
      waiting.delete(message.correlation_id)
      resolve?.(reply)
    })
    const receiverName = receiver.name
    return {
      receiverName,
      request: (message) => {
        const messageId = message.message_id ?? this.nextId++
        // A typed id (rhea's wrap_ulong) comes back as its plain value.
        const key =
          typeof messageId === "object" && messageId !== null && "value" in messageId ? messageId.value : messageId
        return new Promise<Reply>((resolve) => {
          waiting.set(key, resolve)
          sender.send({ ...message, message_id: messageId })
        })
      },
    }
  }

  async close(): Promise<void> {
    if (this.connection.is_closed()) return
    this.connection.close()
    await once(this.connection, "connection_close")
  }
}
