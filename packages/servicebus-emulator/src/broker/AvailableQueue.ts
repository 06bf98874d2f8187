import type { BrokeredMessage } from "./BrokeredMessage.ts"
import { Fifo } from "./Fifo.ts"
import { MinHeap } from "./MinHeap.ts"

/**
 * Messages waiting for a receiver, in the order Service Bus hands them out: messages coming back from an expired,
 * abandoned or released lock first (by sequence number), then new ones in arrival order. A queue or subscription
 * has one; a session-enabled one has one per session.
 *
 * Removal is lazy: a message that stops being available (completed through the management link, expired, deleted)
 * stays in the structures until it reaches the front, where `isAvailable` filters it out. That keeps every
 * operation O(1) (O(log n) for returned messages).
 */
export class AvailableQueue {
  private readonly ready = new Fifo<BrokeredMessage>()
  private readonly returned = new MinHeap<BrokeredMessage>((m) => m.sequenceNumber)
  private readonly isAvailable: (message: BrokeredMessage) => boolean

  constructor(isAvailable: (message: BrokeredMessage) => boolean) {
    this.isAvailable = isAvailable
  }

  push(message: BrokeredMessage): void {
    if (message.deliveryCount === 0) this.ready.push(message)
    else this.returned.push(message)
  }

  /** The next available message, without taking it. */
  peek(): BrokeredMessage | undefined {
    for (;;) {
      const fromReturned = this.returned.peek()
      if (fromReturned !== undefined && !this.isAvailable(fromReturned)) {
        this.returned.pop()
        continue
      }
      const fromReady = this.ready.peek()
      if (fromReady !== undefined && !this.isAvailable(fromReady)) {
        this.ready.shift()
        continue
      }
      if (fromReturned === undefined) return fromReady
      if (fromReady === undefined) return fromReturned
      return fromReturned.sequenceNumber <= fromReady.sequenceNumber ? fromReturned : fromReady
    }
  }

  /** Takes the message `peek` returned; call it right after `peek`. */
  shift(): BrokeredMessage | undefined {
    const fromReturned = this.returned.peek()
    const fromReady = this.ready.peek()
    const useReturned =
      fromReturned !== undefined && (fromReady === undefined || fromReturned.sequenceNumber <= fromReady.sequenceNumber)
    return useReturned ? this.returned.pop() : this.ready.shift()
  }
}
