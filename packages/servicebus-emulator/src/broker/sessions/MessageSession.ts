import { AvailableQueue } from "../AvailableQueue.ts"
import type { BrokerError } from "../BrokerError.ts"
import type { BrokeredMessage } from "../BrokeredMessage.ts"
import type { Deadline } from "../DeadlineQueue.ts"
import type { Consumer } from "../MessageStore.ts"

/** The receiver holding a session lock (an AMQP receiver link, in practice). */
export interface SessionHolder {
  /** The link's name; management requests about the session name it in `associated-link-name`. */
  readonly linkName: string
  /** The lock ended without the holder releasing it (it expired, or the entity was deleted): its link ends with `error`. */
  lost(error: BrokerError): void
}

export interface SessionLock {
  readonly holder: SessionHolder
  lockedUntilMs: number
  deadline: Deadline | undefined
  /** Where the session's messages go; set once the holder's link is ready to receive. */
  consumer: Consumer | undefined
}

/**
 * One session of a session-enabled queue or subscription: its available messages in delivery order (FIFO, messages
 * coming back from a released lock first), the lock of the one receiver that holds it, and its state. The state is
 * what outlives receivers (and what durable storage has to keep): Service Bus keeps it until it is set to null.
 */
export class MessageSession {
  readonly id: string
  readonly queue: AvailableQueue
  lock: SessionLock | undefined = undefined
  /** Opaque bytes set by set-session-state; undefined when none is set. */
  state: Buffer | undefined = undefined
  /** Messages delivered under the current lock and not settled yet: they come back when the lock ends. */
  readonly locked = new Set<BrokeredMessage>()

  constructor(id: string, isAvailable: (message: BrokeredMessage) => boolean) {
    this.id = id
    this.queue = new AvailableQueue(isAvailable)
  }

  /** No lock, no state and nothing to deliver: the session can be forgotten until a message names it again. */
  get idle(): boolean {
    return this.lock === undefined && this.state === undefined && this.queue.peek() === undefined
  }
}
