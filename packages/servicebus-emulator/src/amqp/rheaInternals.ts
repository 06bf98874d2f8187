import type { Connection, Delivery, Receiver, Sender, Session } from "rhea"

/**
 * rhea 3.0.5 internals the server relies on (the dependency is pinned to that exact version):
 * - the local attach frame, to advertise max_message_size and echo termini and settle modes;
 * - the session's outgoing buffer, to know how much link credit is already spoken for by queued transfers;
 * - the sender's drain bookkeeping, because rhea never answers a drain once the credit is already used up;
 * - the session's incoming transfer hook, to receive the encoded bytes of format-0 messages.
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
}

export interface TransferFrame {
  performative: { message_format?: number }
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

export const deliverEncodedBytes = (session: Session): void => {
  const incoming = sessionInternals(session).incoming
  const original = incoming.on_transfer.bind(incoming)
  incoming.on_transfer = (frame, receiver) => {
    if (!frame.performative.message_format) frame.performative.message_format = rawFormat
    original(frame, receiver)
  }
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
