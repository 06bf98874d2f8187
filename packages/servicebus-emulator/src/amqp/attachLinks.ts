import type { EventContext, Receiver, Sender } from "rhea"
import { type Broker, entityPathOf } from "../broker/Broker.ts"
import { BrokerError } from "../broker/BrokerError.ts"
import type { SendTarget } from "../broker/entities.ts"
import { SessionStore } from "../broker/sessions/SessionStore.ts"
import type { Logger } from "../log.ts"
import { AmqpPayload, decodeBatch } from "./AmqpPayload.ts"
import type { ConnectionState } from "./ConnectionState.ts"
import { ConsumerLink } from "./ConsumerLink.ts"
import { handleCbsRequest } from "./cbs.ts"
import { errorReply } from "./conditions.ts"
import { handleManagementRequest } from "./management.ts"
import { ReplyLink } from "./ReplyLink.ts"
import { type RemoteAttach, rawFormat, receiverInternals, senderInternals, takeOversize } from "./rheaInternals.ts"
import { messageHelpers } from "./rheaTypes.ts"
import { requestedSession, SessionReceiverLink } from "./SessionReceiverLink.ts"
import { settleInTurn } from "./settleInTurn.ts"
import type { SharedAccessPolicy } from "./sharedAccessSignature.ts"

export const batchFormat = 0x80013700
const cbsAddress = "$cbs"
const managementSuffix = "/$management"
/** Replies to management requests (peeking many messages) can exceed an entity's message limit. */
const requestResponseMaxMessageSize = 64 * 1024 * 1024
/** A put-token request holds one token (a SAS token is a few hundred bytes, a JWT a few kilobytes). */
const cbsMaxMessageSize = 64 * 1024

export interface LinkContext {
  readonly broker: Broker
  readonly policies: ReadonlyArray<SharedAccessPolicy>
  /** The names of this namespace's host, which token audiences must name. */
  readonly hostnames: ReadonlySet<string>
  readonly logger: Logger
}

const sizeExceeded = (delivery: EventContext["delivery"], size: number, limit: number): BrokerError =>
  new BrokerError(
    "MessageSizeExceeded",
    `The received message (delivery-id:${delivery?.id ?? "?"}, size:${size} bytes) exceeds the limit (${limit} bytes) currently allowed on the link.`,
  )

/**
 * Runs `handle` for each complete message on a request link; a request that outgrew the link's limit while it
 * streamed in (and was never buffered whole) is rejected instead.
 */
const onRequest = (receiver: Receiver, limit: number, logger: Logger, handle: (encoded: Buffer) => void): void => {
  receiver.on("message", (event: EventContext) => {
    // rhea hands every message with its delivery.
    const delivery = event.delivery
    if (delivery === undefined) return
    const oversize = takeOversize(receiver)
    if (oversize !== undefined) {
      const reply = errorReply(sizeExceeded(delivery, oversize, limit))
      logger.info("oversize request refused", { address: receiver.target?.address, size: oversize })
      settleInTurn(delivery, false, () =>
        delivery.reject({ condition: reply.condition, description: reply.description }),
      )
      return
    }
    const encoded = encodedBytes(event)
    settleInTurn(delivery, true, () => {
      delivery.accept()
      // The request's disposition must reach the client before the response: uamqp fails a request whose response
      // overtakes it, and rhea writes a session's transfers before its dispositions. Its processing pass runs on the
      // next tick, so the request is served after it.
      setImmediate(() => handle(encoded))
    })
  })
}

/** The encoded bytes of a received transfer (see `deliverEncodedBytes`). */
const encodedBytes = (context: EventContext): Buffer => {
  const message = context.message as unknown
  if (Buffer.isBuffer(message)) return message
  return messageHelpers.encode(message as Record<string, unknown>)
}

const refuse = (link: Sender | Receiver, error: unknown, logger: Logger, address: string): void => {
  const reply = errorReply(error)
  logger.info("link refused", { address, condition: reply.condition, reason: reply.description })
  link.close({ condition: reply.condition, description: reply.description })
}

const authorize = (state: ConnectionState, broker: Broker, path: string): void => {
  if (!state.isAuthorized(path, broker.now())) {
    throw new BrokerError(
      "Unauthorized",
      `Unauthorized access to '${path}': no valid CBS token (put-token on $cbs) covers this entity. status-code: 401`,
    )
  }
}

/** A client attached a sender: it sends requests ($cbs, $management) or messages (a queue or topic). */
export const onReceiverOpen = (receiver: Receiver, state: ConnectionState, context: LinkContext): void => {
  const internals = receiverInternals(receiver)
  const attach = internals.remote.attach as RemoteAttach
  const address = entityPathOf(attach.target?.address ?? "")
  receiver.set_source({ address: attach.source?.address ?? "" })
  if (address === cbsAddress) {
    receiver.set_target({ address })
    internals.local.attach.max_message_size = cbsMaxMessageSize
    const origin = { node: cbsAddress, session: receiver.session }
    onRequest(receiver, cbsMaxMessageSize, context.logger, (encoded) =>
      handleCbsRequest(state, encoded, origin, context, context.broker.now()),
    )
    return
  }
  try {
    // A transaction coordinator's target is no terminus rhea knows: it arrives without an address.
    if (attach.target?.address === undefined) {
      throw new BrokerError(
        "NotImplemented",
        "Transactions (a transaction coordinator link) are not supported by the emulator; a sender link needs a target address.",
      )
    }
    if (address.toLowerCase().endsWith(managementSuffix)) {
      const entityPath = address.slice(0, -managementSuffix.length)
      authorize(state, context.broker, address)
      context.broker.resolve(entityPath)
      receiver.set_target({ address })
      internals.local.attach.max_message_size = requestResponseMaxMessageSize
      const management = { state, broker: context.broker, entityPath, logger: context.logger }
      const origin = { node: address, session: receiver.session }
      onRequest(receiver, requestResponseMaxMessageSize, context.logger, (encoded) =>
        handleManagementRequest(management, encoded, origin),
      )
      return
    }
    authorize(state, context.broker, address)
    const target = context.broker.sendTarget(address)
    receiver.set_target({ address })
    internals.local.attach.max_message_size = target.maxMessageSizeBytes
    receiver.on("message", (event: EventContext) => acceptMessages(event, receiver, target, context))
    context.logger.debug("sender attached", { connection: state.id, address })
  } catch (error) {
    refuse(receiver, error, context.logger, address)
  }
}

const acceptMessages = (event: EventContext, receiver: Receiver, target: SendTarget, context: LinkContext): void => {
  const delivery = event.delivery
  // rhea hands every message with its delivery.
  if (delivery === undefined) return
  const accept = () => settleInTurn(delivery, true, () => delivery.accept())
  const refuse = (error: unknown) => {
    const reply = errorReply(error)
    if (reply.status === 500) context.logger.error("send failed", { entity: target.name, error })
    settleInTurn(delivery, false, () => delivery.reject({ condition: reply.condition, description: reply.description }))
  }
  try {
    // A delivery that outgrew the limit while streaming in was never buffered whole: only its size is known.
    const oversize = takeOversize(receiver)
    if (oversize !== undefined) throw sizeExceeded(delivery, oversize, target.maxMessageSizeBytes)
    const encoded = encodedBytes(event)
    if (encoded.length > target.maxMessageSizeBytes) {
      throw sizeExceeded(delivery, encoded.length, target.maxMessageSizeBytes)
    }
    const format = (event as { format?: number }).format ?? rawFormat
    const payloads = format === batchFormat ? decodeBatch(encoded) : [AmqpPayload.decode(encoded)]
    context.broker.send(target, payloads)
    // With a data directory, a send is acknowledged once it is stored.
    const durable = context.broker.whenDurable()
    if (durable === undefined) accept()
    else durable.then(accept, refuse)
  } catch (error) {
    refuse(error)
  }
}

/** What the server tracks of a client's receiver link, to release it when the link, session or connection ends. */
export interface ReceiverLinkHandle {
  detach(): void
}

/** A client attached a receiver: it reads responses ($cbs, $management) or messages (queue, subscription, DLQ). */
export const onSenderOpen = (
  sender: Sender,
  state: ConnectionState,
  context: LinkContext,
): ReceiverLinkHandle | undefined => {
  const internals = senderInternals(sender)
  const attach = internals.remote.attach as RemoteAttach
  const address = entityPathOf(attach.source?.address ?? "")
  sender.set_target({ address: attach.target?.address ?? "" })
  if (address === cbsAddress || address.toLowerCase().endsWith(managementSuffix)) {
    sender.set_source({ address })
    internals.local.attach.snd_settle_mode = 1
    internals.local.attach.max_message_size = requestResponseMaxMessageSize
    const replyLink = new ReplyLink(sender, address)
    state.replyLinks.add(replyLink)
    sender.on("sender_close", () => state.replyLinks.delete(replyLink))
    return undefined
  }
  try {
    authorize(state, context.broker, address)
    const store = context.broker.receiveSource(address)
    const mode = attach.snd_settle_mode === 1 ? "receiveAndDelete" : "peekLock"
    const sessionReceiver = requestedSession(attach) !== undefined
    if (sessionReceiver && !(store instanceof SessionStore)) {
      throw new BrokerError(
        "InvalidOperation",
        `'${address}' does not require sessions (RequiresSession is false, and dead-letter queues never do): receive from it without a session (createReceiver instead of acceptSession).`,
      )
    }
    if (!sessionReceiver && store instanceof SessionStore) {
      throw new BrokerError(
        "InvalidOperation",
        `It is not possible for an entity that requires sessions to create a non-sessionful message receiver ('${address}').`,
      )
    }
    internals.local.attach.snd_settle_mode = mode === "receiveAndDelete" ? 1 : 0
    internals.local.attach.rcv_settle_mode = mode === "receiveAndDelete" ? 0 : 1
    internals.local.attach.max_message_size = requestResponseMaxMessageSize
    context.logger.debug("receiver attached", { connection: state.id, address, mode, sessionReceiver })
    if (store instanceof SessionStore) {
      const link = new SessionReceiverLink(sender, {
        broker: context.broker,
        store,
        address,
        sourceAddress: attach.source?.address ?? address,
        mode,
        logger: context.logger,
      })
      link.start(attach)
      return link
    }
    sender.set_source({ address })
    return new ConsumerLink(sender, store, context.broker, mode, context.logger)
  } catch (error) {
    refuse(sender, error, context.logger, address)
    return undefined
  }
}
