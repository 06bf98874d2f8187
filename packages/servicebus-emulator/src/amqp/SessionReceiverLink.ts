import type { Sender } from "rhea"
import type { Broker } from "../broker/Broker.ts"
import type { BrokerError } from "../broker/BrokerError.ts"
import type { ReceiveMode } from "../broker/MessageStore.ts"
import type { SessionHolder } from "../broker/sessions/MessageSession.ts"
import type { AcceptedSession, SessionStore } from "../broker/sessions/SessionStore.ts"
import type { Logger } from "../log.ts"
import { ConsumerLink } from "./ConsumerLink.ts"
import { errorReply } from "./conditions.ts"
import { holdAttach, type RemoteAttach, releaseAttach, senderInternals } from "./rheaInternals.ts"
import { types } from "./rheaTypes.ts"

export const sessionFilter = "com.microsoft:session-filter"
const lockedUntilProperty = "com.microsoft:locked-until-utc"
const timeoutProperty = "com.microsoft:timeout"
/** Without a client timeout, Service Bus waits for a session at most 1 minute 5 seconds. */
const defaultNextSessionTimeoutMs = 65_000
// .NET ticks (100 ns since 0001-01-01) of the Unix epoch: how Service Bus encodes locked-until-utc.
const unixEpochTicks = 621_355_968_000_000_000n

const sessionIdValue = (raw: unknown): string | null => {
  if (typeof raw === "string") return raw
  // A described filter value (some clients send the session filter's descriptor).
  if (typeof raw === "object" && raw !== null && "value" in raw)
    return sessionIdValue((raw as { value: unknown }).value)
  return null
}

/**
 * The session a receiver link asks for through its source filter: an id, or `null` for the next available session.
 * `undefined` when the link is no session receiver.
 */
export const requestedSession = (attach: RemoteAttach): string | null | undefined => {
  const filter = attach.source?.filter
  if (filter === undefined || filter === null || !Object.hasOwn(filter, sessionFilter)) return undefined
  return sessionIdValue(filter[sessionFilter])
}

const nextSessionTimeoutMs = (attach: RemoteAttach): number => {
  const raw = attach.properties?.[timeoutProperty]
  return typeof raw === "number" && raw >= 0 ? raw : defaultNextSessionTimeoutMs
}

/** A long holding .NET ticks; rhea writes it as an AMQP long (an exact 64-bit value, beyond a double's precision). */
const ticksOf = (ms: number): { toRheaTyped(): unknown } => {
  const bytes = Buffer.alloc(8)
  bytes.writeBigInt64BE(BigInt(Math.round(ms)) * 10_000n + unixEpochTicks)
  return { toRheaTyped: () => types.wrap_long(bytes) }
}

export interface SessionReceiverOptions {
  readonly broker: Broker
  readonly store: SessionStore
  /** The entity path. */
  readonly address: string
  /** The source address as the client sent it: the answer echoes it (uamqp reads the session only if it matches). */
  readonly sourceAddress: string
  readonly mode: ReceiveMode
  readonly logger: Logger
}

type State =
  | { readonly kind: "starting" }
  | { readonly kind: "waiting"; readonly cancel: () => void }
  | { readonly kind: "accepted"; readonly session: AcceptedSession; consumer: ConsumerLink | undefined }
  | { readonly kind: "ended" }

/**
 * A receiver link with a session filter: it locks a session (by id, or the next one with messages, waiting up to
 * the client's timeout) before its attach is answered. The answer carries the session id in the source filter and
 * the lock's expiry in `com.microsoft:locked-until-utc`, as Service Bus sends them; a session that cannot be locked
 * is answered as Service Bus does, with an attach without source followed by a detach carrying the error.
 */
export class SessionReceiverLink {
  private readonly sender: Sender
  private readonly options: SessionReceiverOptions
  private state: State = { kind: "starting" }

  constructor(sender: Sender, options: SessionReceiverOptions) {
    this.sender = sender
    this.options = options
  }

  /** Call from the `sender_open` handler. */
  start(attach: RemoteAttach): void {
    const requested = requestedSession(attach)
    holdAttach(this.sender)
    const holder: SessionHolder = { linkName: this.sender.name, lost: (error) => this.end(error) }
    const { store } = this.options
    try {
      if (typeof requested === "string") {
        this.accept(store.acceptSession(requested, holder))
        return
      }
      const cancel = store.acceptNextSession(
        { holder, accepted: (session) => this.accept(session), failed: (error) => this.refuse(error) },
        nextSessionTimeoutMs(attach),
      )
      if (this.state.kind === "starting") this.state = { kind: "waiting", cancel }
    } catch (error) {
      this.refuse(error)
    }
  }

  /** The link closed (by the client, its session or connection): a waiting request ends, a held lock is released. */
  detach(): void {
    const state = this.state
    this.state = { kind: "ended" }
    if (state.kind === "waiting") {
      state.cancel()
      // rhea answers the client's detach with its own; the held attach has to go first.
      releaseAttach(this.sender)
    } else if (state.kind === "accepted") {
      if (state.consumer !== undefined) state.consumer.detach()
      else state.session.detach()
    }
  }

  private accept(session: AcceptedSession): void {
    const { broker, store, address, sourceAddress, mode, logger } = this.options
    this.state = { kind: "accepted", session, consumer: undefined }
    this.sender.set_source({ address: sourceAddress, filter: { [sessionFilter]: session.sessionId } })
    senderInternals(this.sender).local.attach.properties = { [lockedUntilProperty]: ticksOf(session.lockedUntilMs) }
    releaseAttach(this.sender)
    logger.debug("session accepted", { address, sessionId: session.sessionId, link: this.sender.name })
    // rhea writes the attach in its next processing pass (process.nextTick); transfers must come after it.
    setImmediate(() => {
      const state = this.state
      if (state.kind !== "accepted" || state.session !== session || !session.held) return
      state.consumer = new ConsumerLink(this.sender, store, broker, mode, logger, session)
    })
  }

  private refuse(error: unknown): void {
    const wasHeld = this.state.kind !== "ended"
    this.state = { kind: "ended" }
    const reply = errorReply(error)
    this.options.logger.info("session receiver refused", {
      address: this.options.address,
      condition: reply.condition,
      reason: reply.description,
    })
    if (wasHeld) releaseAttach(this.sender)
    this.sender.close({ condition: reply.condition, description: reply.description })
  }

  private end(error: BrokerError): void {
    this.state = { kind: "ended" }
    const reply = errorReply(error)
    this.sender.close({ condition: reply.condition, description: reply.description })
  }
}
