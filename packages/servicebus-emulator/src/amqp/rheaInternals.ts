import type { Connection, Delivery, Receiver, Sender, Session } from "rhea"

/**
 * rhea 3.0.5 internals the server relies on (the dependency is pinned to that exact version):
 * - the local attach frame, to advertise max_message_size and echo termini and settle modes;
 * - the session's outgoing buffer, to know how much link credit is already spoken for by queued transfers;
 * - the sender's drain bookkeeping, because rhea never answers a drain once the credit is already used up;
 * - the session's incoming transfer hook, to receive the encoded bytes of format-0 messages and to stop buffering
 *   a delivery that outgrew its link's limit (the receiver's `_incomplete` delivery);
 * - the connection's `input`, to inspect frame headers before rhea buffers a frame.
 */
export interface LocalAttach {
  max_message_size?: number
  snd_settle_mode?: number
  rcv_settle_mode?: number
  properties?: Record<string, unknown>
}

export interface RemoteAttach {
  readonly name: string
  readonly source?: { readonly address?: string; readonly filter?: Record<string, unknown> }
  readonly target?: { readonly address?: string }
  readonly snd_settle_mode?: number
  readonly rcv_settle_mode?: number
  readonly properties?: Record<string, unknown>
}

export interface OutgoingInternals {
  available(): number
  next_pending_delivery: number
}

export interface SenderInternals {
  local: { attach: LocalAttach }
  remote: { attach?: RemoteAttach }
  credit: number
  delivery_count: number
  _draining: boolean
  _drained: boolean
  _get_drain: () => boolean
  session: { outgoing: OutgoingInternals }
}

export interface ReceiverInternals {
  local: { attach: LocalAttach }
  remote: { attach?: RemoteAttach }
  /** The delivery being received in several frames: its payloads so far. */
  _incomplete?: { frames: Array<Buffer> }
}

export interface TransferFrame {
  performative: { message_format?: number; more?: boolean; aborted?: boolean }
  payload?: Buffer
}

export interface SessionInternals {
  incoming: { on_transfer(frame: TransferFrame, receiver: unknown): void }
}

export interface SaslMechanism {
  outcome: boolean | undefined
  username: string | undefined
  start(response?: Buffer, hostname?: string): unknown
}

export interface ConnectionInternals {
  sasl_transport?: {
    mechanism?: SaslMechanism
    transports?: Record<number, { mechanism?: SaslMechanism } | undefined>
  }
  socket?: { destroy?: () => void; end?: () => void }
}

export const senderInternals = (sender: Sender): SenderInternals => sender as unknown as SenderInternals
export const receiverInternals = (receiver: Receiver): ReceiverInternals => receiver as unknown as ReceiverInternals
export const sessionInternals = (session: Session): SessionInternals => session as unknown as SessionInternals
export const connectionInternals = (connection: Connection): ConnectionInternals =>
  connection as unknown as ConnectionInternals

/** Marks a delivery we settled in receiver-settles-second mode as done, so rhea frees its slot. */
export const forgetSettledDelivery = (delivery: Delivery): void => {
  ;(delivery as unknown as { remote_settled: boolean }).remote_settled = true
}

/**
 * rhea decodes format-0 transfers itself, handing the application a decoded object. Tagging them with a private
 * format before rhea sees them makes it hand over the encoded bytes instead (it only decodes format 0), so stored
 * messages keep their exact encoding.
 */
export const rawFormat = 0x7ffe_0000

/** Deliveries that outgrew their link's max-message-size in their last frame: their size, until taken. */
const oversize = new WeakMap<object, number>()
/** Bytes received so far of each link's delivery in progress. */
const streaming = new WeakMap<object, number>()

/**
 * Also enforces each receiving link's advertised max-message-size while a multi-frame transfer streams in: the
 * moment a delivery outgrows it, the link is detached with `amqp:link:message-size-exceeded` (the link error the
 * AMQP spec names for this) and the delivery's frames already held are dropped, as are any still in flight; a client
 * cannot make the emulator hold more than the limit per link. A delivery that ends over the limit is marked for
 * `takeOversize`, so its handler rejects it instead of serving it (a single-frame one keeps its link, as a complete
 * oversize message always did).
 */
export const deliverEncodedBytes = (session: Session): void => {
  const incoming = sessionInternals(session).incoming
  const original = incoming.on_transfer.bind(incoming)
  incoming.on_transfer = (frame, receiver) => {
    const performative = frame.performative
    if (!performative.message_format) performative.message_format = rawFormat
    const link = receiver as (ReceiverInternals & Receiver) | undefined
    const limit = link?.local.attach.max_message_size
    if (link !== undefined && limit !== undefined && limit > 0) {
      const before = streaming.get(link) ?? 0
      const size = before + (frame.payload?.length ?? 0)
      const last = performative.more !== true || performative.aborted === true
      if (size > limit) {
        frame.payload = Buffer.alloc(0)
        if (!last && before <= limit) {
          const held = link._incomplete
          if (held !== undefined) held.frames = []
          link.close({
            condition: "amqp:link:message-size-exceeded",
            description: `The message being transferred exceeds the limit (${limit} bytes) currently allowed on the link; the transfer was refused after ${size} bytes.`,
          })
        }
      }
      if (last) {
        streaming.delete(link)
        // Even after the link was detached, rhea may still complete the delivery: it is refused, never served.
        if (size > limit && performative.aborted !== true) oversize.set(link, size)
      } else {
        streaming.set(link, size)
      }
    }
    original(frame, receiver)
  }
}

/** The size of the delivery that just completed on `receiver` when it exceeded the link's limit (once). */
export const takeOversize = (receiver: Receiver): number | undefined => {
  const size = oversize.get(receiver)
  if (size !== undefined) oversize.delete(receiver)
  return size
}

/**
 * Answers a drain with a flow carrying drain=true even when no credit is left (rhea 3.0.5 only sets the flag while
 * credit remains, so a receiver that used all its credit would wait for a drain reply that never comes).
 */
export const answerDrainsAlways = (sender: Sender): void => {
  const internals = senderInternals(sender)
  internals._get_drain = () => {
    if (!internals._draining || !internals._drained) return false
    internals.delivery_count += internals.credit
    internals.credit = 0
    internals._draining = false
    return true
  }
}

/**
 * rhea writes every frame with its own `socket.write` (one syscall and, with Nagle off, one TCP segment each).
 * Corking the socket while rhea handles input or runs its processing pass turns a burst of transfers or
 * dispositions into a single vectored write. Must run before `accept`, which binds `input` to the socket.
 */
export const batchSocketWrites = (connection: Connection, socket: { cork(): void; uncork(): void }): void => {
  const target = connection as unknown as Record<"input" | "_process", (...args: Array<unknown>) => unknown>
  for (const name of ["input", "_process"] as const) {
    const original = target[name]
    target[name] = function (this: unknown, ...args: Array<unknown>) {
      socket.cork()
      try {
        return original.apply(this, args)
      } finally {
        socket.uncork()
      }
    }
  }
}

interface LinkStateInternals {
  state: { open_requests: number }
  connection: { _register(): void }
}

/**
 * rhea answers an attach as soon as it arrives. A session receiver asking for the next available session must wait
 * for one (up to its timeout), so its answer is held back: rhea writes the local attach only while the link has an
 * open request pending. Call from the `sender_open` handler, before rhea's next processing pass.
 */
export const holdAttach = (link: Sender): void => {
  ;(link as unknown as LinkStateInternals).state.open_requests = 0
}

/** Sends an attach held by `holdAttach` (with the source and properties set by then). */
export const releaseAttach = (link: Sender): void => {
  const internals = link as unknown as LinkStateInternals
  internals.state.open_requests = 1
  internals.connection._register()
}

/**
 * Lets `admit` see every chunk read from the stream before rhea does; a chunk it refuses never reaches rhea (which
 * would buffer a frame whole, whatever size its header claims). Must run before `accept`, like `batchSocketWrites`.
 */
export const guardInput = (connection: Connection, admit: (chunk: Buffer) => boolean): void => {
  const target = connection as unknown as Record<"input", (chunk: Buffer) => unknown>
  const original = target.input
  let refused = false
  target.input = function (this: unknown, chunk: Buffer) {
    if (refused) return undefined
    if (!admit(chunk)) {
      refused = true
      return undefined
    }
    return original.call(this, chunk)
  }
}
