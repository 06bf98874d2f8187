import { MinHeap } from "./MinHeap.ts"

/**
 * Every time-based transition of the broker (lock expiry, message TTL, scheduled enqueue) is an entry in one indexed
 * min-heap driven by a single timer, instead of a timer per message. Entries know their heap position, so cancelling
 * (a completed message) or moving (a renewed lock) is O(log n) and leaves nothing behind.
 */
export interface Deadline {
  readonly at: number
  /** Position in the heap; -1 once fired or cancelled. */
  readonly index: number
}

interface Entry {
  at: number
  index: number
  fire: () => void
}

// Node clamps longer timeouts to 1 ms; far deadlines are re-armed when the timer fires.
const maxTimerDelayMs = 2 ** 31 - 1

export class DeadlineQueue {
  private readonly heap = new MinHeap<Entry>(
    (entry) => entry.at,
    (entry, index) => {
      entry.index = index
    },
  )
  private timer: NodeJS.Timeout | undefined
  private timerAt = Number.POSITIVE_INFINITY
  private closed = false
  private readonly now: () => number

  constructor(now: () => number) {
    this.now = now
  }

  get size(): number {
    return this.heap.length
  }

  schedule(at: number, fire: () => void): Deadline {
    const entry: Entry = { at, index: -1, fire }
    this.heap.push(entry)
    this.arm()
    return entry
  }

  cancel(deadline: Deadline | undefined): void {
    const entry = deadline as Entry | undefined
    if (entry === undefined || entry.index < 0) return
    this.heap.removeAt(entry.index)
    entry.index = -1
  }

  /** Moves an entry to a new time (a renewed lock). */
  reschedule(deadline: Deadline, at: number): void {
    const entry = deadline as Entry
    if (entry.index < 0) return
    entry.at = at
    this.heap.update(entry.index)
    this.arm()
  }

  close(): void {
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.heap.clear()
  }

  /** Fires every due entry; exposed so callers can force a sweep (e.g. before answering a peek). */
  runDue(): void {
    const now = this.now()
    for (;;) {
      const top = this.heap.peek()
      if (top === undefined || top.at > now) break
      this.heap.pop()
      top.index = -1
      top.fire()
    }
  }

  private arm(): void {
    if (this.closed) return
    const top = this.heap.peek()
    if (top === undefined) {
      if (this.timer !== undefined) clearTimeout(this.timer)
      this.timer = undefined
      this.timerAt = Number.POSITIVE_INFINITY
      return
    }
    if (this.timer !== undefined && this.timerAt <= top.at) return
    if (this.timer !== undefined) clearTimeout(this.timer)
    const delay = Math.min(Math.max(0, top.at - this.now()), maxTimerDelayMs)
    this.timerAt = top.at
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.timerAt = Number.POSITIVE_INFINITY
      this.runDue()
      this.arm()
    }, delay)
    // The emulator's sockets keep a process alive; pending deadlines alone must not.
    this.timer.unref()
  }
}
