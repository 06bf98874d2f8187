import { BrokerError } from "../BrokerError.ts"
import type { BrokeredMessage, Payload } from "../BrokeredMessage.ts"
import type { Deadline } from "../DeadlineQueue.ts"
import { type Consumer, MessageStore, type ReceiveMode } from "../MessageStore.ts"
import { MessageSession, type SessionHolder, type SessionLock } from "./MessageSession.ts"

/** The session a message belongs to (its AMQP group-id), or undefined. */
export const sessionIdOf = (payload: Payload): string | undefined => payload.sessionId

export const sessionIdMissingReason = "SessionIdMissing"

/** What `acceptNextSession` reports once a session is locked for the holder, or once it gave up waiting. */
export interface NextSessionRequest {
  readonly holder: SessionHolder
  accepted(session: AcceptedSession): void
  /** No session within the timeout (`Timeout`, as Service Bus's com.microsoft:timeout), or the entity went away. */
  failed(error: BrokerError): void
}

interface Waiter {
  readonly request: NextSessionRequest
  deadline: Deadline | undefined
}

/**
 * A session lock as its holder sees it: what a receiver link delivers from and settles into. It is also the
 * `ConsumerLink`'s feed (attach, pump, detach), so a session receiver link works like any other consumer link.
 */
export class AcceptedSession {
  readonly sessionId: string
  private readonly store: SessionStore
  private readonly session: MessageSession
  private readonly lock: SessionLock

  constructor(store: SessionStore, session: MessageSession, lock: SessionLock) {
    this.store = store
    this.session = session
    this.lock = lock
    this.sessionId = session.id
  }

  get lockedUntilMs(): number {
    return this.lock.lockedUntilMs
  }

  /** False once the lock expired or was released. */
  get held(): boolean {
    return this.session.lock === this.lock
  }

  attach(consumer: Consumer): void {
    if (!this.held) return
    this.lock.consumer = consumer
    this.store.pumpSession(this.session)
  }

  pump(): void {
    if (this.held) this.store.pumpSession(this.session)
  }

  /** The holder's link closed: the lock ends and unsettled messages come back (a failed delivery each). */
  detach(): void {
    this.store.releaseSession(this.session, this.lock)
  }
}

/**
 * A session-enabled queue or subscription (`RequiresSession`). Messages are grouped by session id; a receiver locks
 * one session (by id, or the next one with available messages) and gets only that session's messages, in order.
 * Messages delivered in peek-lock are locked by the session lock: they have no lock timer of their own, and when the
 * session lock expires or its holder detaches they are released like an expired message lock (delivery count,
 * MaxDeliveryCount and dead-lettering work as for any message).
 */
export class SessionStore extends MessageStore {
  /** Every session with available messages, a lock or state, by id (case-sensitive, as Service Bus compares them). */
  readonly sessions = new Map<string, MessageSession>()
  /** Unlocked sessions with available messages, in the order they became so: the next session comes first. */
  private readonly offered = new Set<MessageSession>()
  /** acceptNextSession requests waiting for a session, oldest first. */
  private readonly waiting = new Set<Waiter>()
  /** Locked sessions with new messages to deliver. */
  private readonly dirty = new Set<MessageSession>()
  private pumpingSessions = false

  /** Locks a session by id (Service Bus creates it if no message named it yet). */
  acceptSession(sessionId: string, holder: SessionHolder): AcceptedSession {
    const session = this.session(sessionId)
    if (session.lock !== undefined) {
      throw new BrokerError(
        "SessionCannotBeLocked",
        `The requested session '${sessionId}' cannot be accepted. It may be locked by another receiver.`,
      )
    }
    return this.lockSession(session, holder)
  }

  /**
   * Locks the next unlocked session with available messages for `request.holder`, now or as soon as one appears
   * within `timeoutMs`. Returns a function that withdraws a request still waiting.
   */
  acceptNextSession(request: NextSessionRequest, timeoutMs: number): () => void {
    const ready = this.nextOffered()
    if (ready !== undefined) {
      request.accepted(this.lockSession(ready, request.holder))
      return () => undefined
    }
    const waiter: Waiter = { request, deadline: undefined }
    waiter.deadline = this.host.deadlines.schedule(this.host.now() + timeoutMs, () => {
      waiter.deadline = undefined
      if (!this.waiting.delete(waiter)) return
      request.failed(
        new BrokerError(
          "Timeout",
          `No unlocked session with available messages in '${this.path}' within ${timeoutMs} ms (acceptNextSession timed out).`,
        ),
      )
    })
    this.waiting.add(waiter)
    return () => {
      if (this.waiting.delete(waiter)) this.host.deadlines.cancel(waiter.deadline)
    }
  }

  renewSessionLock(sessionId: string, linkName: string | undefined): number {
    const session = this.lockedSession(sessionId, linkName)
    const lock = session.lock as SessionLock
    lock.lockedUntilMs = this.host.now() + this.settings.lockDurationMs
    if (lock.deadline !== undefined) this.host.deadlines.reschedule(lock.deadline, lock.lockedUntilMs)
    for (const message of session.locked)
      if (message.lock !== undefined) message.lock.lockedUntilMs = lock.lockedUntilMs
    return lock.lockedUntilMs
  }

  getSessionState(sessionId: string, linkName: string | undefined): Buffer | undefined {
    return this.lockedSession(sessionId, linkName).state
  }

  /** `undefined` clears the state. */
  setSessionState(sessionId: string, linkName: string | undefined, state: Buffer | undefined): void {
    this.lockedSession(sessionId, linkName).state = state
    this.host.journal?.sessionStateChanged(this, sessionId, state)
  }

  /** Puts back a session state recovered from durable storage. */
  restoreSessionState(sessionId: string, state: Buffer): void {
    this.session(sessionId).state = state
  }

  /** Every session that has a state (durable storage's snapshots). */
  *sessionStates(): Generator<readonly [string, Buffer]> {
    for (const session of this.sessions.values()) if (session.state !== undefined) yield [session.id, session.state]
  }

  /** A session's messages from `fromSequenceNumber` on, in sequence order, whatever their state; locks nothing. */
  peekSession(sessionId: string, fromSequenceNumber: number, count: number): Array<BrokeredMessage> {
    return this.peek(fromSequenceNumber, count, (message) => sessionIdOf(message.payload) === sessionId)
  }

  /** Deferred messages of a session, received under its lock (which the caller must hold). */
  receiveDeferredInSession(
    sessionId: string,
    linkName: string | undefined,
    sequenceNumbers: ReadonlyArray<number>,
    mode: ReceiveMode,
  ): Array<{ readonly message: BrokeredMessage; readonly deliveryCount: number }> {
    this.lockedSession(sessionId, linkName)
    for (const sequenceNumber of sequenceNumbers) {
      const message = this.messages.get(sequenceNumber)
      if (message !== undefined && sessionIdOf(message.payload) !== sessionId) {
        throw new BrokerError(
          "MessageNotFound",
          `Failed to lock one or more specified messages. The message with sequence number ${sequenceNumber} does not belong to session '${sessionId}' of ${this.path}.`,
        )
      }
    }
    return super.receiveDeferred(sequenceNumbers, mode)
  }

  override receiveDeferred(): never {
    throw new BrokerError(
      "InvalidOperation",
      `'${this.path}' requires sessions: deferred messages are received through a session receiver (with a session-id).`,
    )
  }

  override renewLock(): never {
    throw new BrokerError(
      "InvalidOperation",
      `Messages of '${this.path}' are locked by their session: renew the session lock (renew-session-lock) instead.`,
    )
  }

  override pump(): void {
    if (this.pumpingSessions) return
    this.pumpingSessions = true
    try {
      for (const session of this.dirty) {
        this.dirty.delete(session)
        this.deliverSession(session)
      }
    } finally {
      this.pumpingSessions = false
    }
  }

  /** Hands a locked session's available messages to its holder, as far as the holder's credit goes. */
  pumpSession(session: MessageSession): void {
    this.dirty.delete(session)
    this.deliverSession(session)
  }

  releaseSession(session: MessageSession, lock: SessionLock): void {
    if (session.lock !== lock) return
    this.host.deadlines.cancel(lock.deadline)
    lock.deadline = undefined
    session.lock = undefined
    this.dirty.delete(session)
    for (const message of [...session.locked]) {
      this.unlock(message)
      this.afterRelease(message)
    }
    if (session.queue.peek() !== undefined) this.offer(session)
    else this.forgetIfIdle(session)
  }

  /** The entity is deleted: waiting requests fail and session receivers end with "not found". */
  override drop(): void {
    const deleted = new BrokerError("EntityNotFound", `The messaging entity '${this.path}' was deleted.`)
    for (const waiter of [...this.waiting]) {
      this.waiting.delete(waiter)
      this.host.deadlines.cancel(waiter.deadline)
      waiter.request.failed(deleted)
    }
    for (const session of [...this.sessions.values()]) {
      const lock = session.lock
      if (lock === undefined) continue
      lock.holder.lost(deleted)
      this.releaseSession(session, lock)
    }
    super.drop()
    this.offered.clear()
    this.dirty.clear()
    this.sessions.clear()
  }

  override clear(): void {
    for (const session of this.sessions.values()) this.host.deadlines.cancel(session.lock?.deadline)
    for (const waiter of this.waiting) this.host.deadlines.cancel(waiter.deadline)
    this.waiting.clear()
    this.offered.clear()
    this.dirty.clear()
    this.sessions.clear()
    super.clear()
  }

  protected override makeAvailable(message: BrokeredMessage): void {
    const sessionId = sessionIdOf(message.payload)
    if (sessionId === undefined) {
      // Sends without a session id are refused; this is a message forwarded (ForwardTo) from a sessionless entity.
      this.deadLetter(
        message,
        sessionIdMissingReason,
        `'${this.path}' requires sessions and the message has no SessionId.`,
      )
      return
    }
    this.available.add(message)
    const session = this.session(sessionId)
    session.queue.push(message)
    if (session.lock === undefined) {
      this.offer(session)
    } else {
      this.dirty.add(session)
      this.schedulePump()
    }
  }

  protected override lock(message: BrokeredMessage): void {
    const session = this.sessionOf(message)
    const sessionLock = session?.lock
    if (session === undefined || sessionLock === undefined) {
      throw new BrokerError("SessionLockLost", `The session lock on session '${sessionIdOf(message.payload)}' is lost.`)
    }
    const token = this.host.lockTokens.issue()
    message.lock = { token, lockedUntilMs: sessionLock.lockedUntilMs, deadline: undefined }
    this.host.registerLock(token, this, message)
    session.locked.add(message)
  }

  protected override unlock(message: BrokeredMessage): void {
    if (message.lock !== undefined) this.sessionOf(message)?.locked.delete(message)
    super.unlock(message)
  }

  private deliverSession(session: MessageSession): void {
    const consumer = session.lock?.consumer
    if (consumer === undefined) return
    while (consumer.capacity() > 0 && session.lock?.consumer === consumer) {
      const message = session.queue.peek()
      if (message === undefined) break
      this.takeAndDeliver(session.queue, message, consumer)
    }
  }

  private session(sessionId: string): MessageSession {
    let session = this.sessions.get(sessionId)
    if (session === undefined) {
      session = new MessageSession(sessionId, (message) => this.available.has(message))
      this.sessions.set(sessionId, session)
    }
    return session
  }

  private sessionOf(message: BrokeredMessage): MessageSession | undefined {
    const sessionId = sessionIdOf(message.payload)
    return sessionId === undefined ? undefined : this.sessions.get(sessionId)
  }

  /** The session, if `linkName` (when given) holds its lock; otherwise the lock is lost as far as the caller goes. */
  private lockedSession(sessionId: string, linkName: string | undefined): MessageSession {
    const session = this.sessions.get(sessionId)
    const lock = session?.lock
    if (session === undefined || lock === undefined || (linkName !== undefined && lock.holder.linkName !== linkName)) {
      throw new BrokerError(
        "SessionLockLost",
        `The session lock has expired on the session with id ${sessionId}, or the session is not locked by this receiver.`,
      )
    }
    return session
  }

  private lockSession(session: MessageSession, holder: SessionHolder): AcceptedSession {
    this.offered.delete(session)
    const lock: SessionLock = {
      holder,
      lockedUntilMs: this.host.now() + this.settings.lockDurationMs,
      deadline: undefined,
      consumer: undefined,
    }
    lock.deadline = this.host.deadlines.schedule(lock.lockedUntilMs, () => {
      lock.deadline = undefined
      if (session.lock !== lock) return
      this.host.logger.debug("session lock expired", { entity: this.path, sessionId: session.id })
      lock.holder.lost(
        new BrokerError("SessionLockLost", `The session lock has expired on the session with id ${session.id}.`),
      )
      this.releaseSession(session, lock)
    })
    session.lock = lock
    return new AcceptedSession(this, session, lock)
  }

  /** An unlocked session has messages: the oldest waiting acceptNextSession takes it, or it waits for one. */
  private offer(session: MessageSession): void {
    if (session.lock !== undefined) return
    for (const waiter of this.waiting) {
      this.waiting.delete(waiter)
      this.host.deadlines.cancel(waiter.deadline)
      waiter.request.accepted(this.lockSession(session, waiter.request.holder))
      return
    }
    this.offered.add(session)
  }

  private nextOffered(): MessageSession | undefined {
    for (const session of this.offered) {
      this.offered.delete(session)
      if (session.lock === undefined && session.queue.peek() !== undefined) return session
      this.forgetIfIdle(session)
    }
    return undefined
  }

  private forgetIfIdle(session: MessageSession): void {
    if (!session.idle) return
    this.offered.delete(session)
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id)
  }
}
