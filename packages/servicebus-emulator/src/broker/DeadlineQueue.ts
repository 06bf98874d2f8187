/**
 * Every time-based transition of the broker (lock expiry, message TTL, scheduled enqueue) is an entry in one indexed
 * min-heap driven by a single timer, instead of a timer per message. Entries know their heap position, so cancelling
 * (a completed message, a renewed lock) is O(log n) and leaves nothing behind.
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
  private readonly heap: Array<Entry> = []
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
    const entry: Entry = { at, index: this.heap.length, fire }
    this.heap.push(entry)
    this.up(entry.index)
    this.arm()
    return entry
  }

  cancel(deadline: Deadline | undefined): void {
    const entry = deadline as Entry | undefined
    if (entry === undefined || entry.index < 0) return
    this.removeAt(entry.index)
    entry.index = -1
  }

  /** Moves an entry to a new time (a renewed lock). */
  reschedule(deadline: Deadline, at: number): void {
    const entry = deadline as Entry
    if (entry.index < 0) return
    const before = entry.at
    entry.at = at
    if (at < before) this.up(entry.index)
    else this.down(entry.index)
    this.arm()
  }

  close(): void {
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.heap.length = 0
  }

  /** Fires every due entry; exposed so callers can force a sweep (e.g. before answering a peek). */
  runDue(): void {
    const now = this.now()
    for (;;) {
      const top = this.heap[0]
      if (top === undefined || top.at > now) break
      this.removeAt(0)
      top.index = -1
      top.fire()
    }
  }

  private arm(): void {
    if (this.closed) return
    const top = this.heap[0]
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

  private removeAt(index: number): void {
    const last = this.heap.pop() as Entry
    if (index === this.heap.length) return
    this.heap[index] = last
    last.index = index
    this.up(index)
    this.down(last.index)
  }

  private up(start: number): void {
    let index = start
    const entry = this.heap[index] as Entry
    while (index > 0) {
      const parentIndex = (index - 1) >> 1
      const parent = this.heap[parentIndex] as Entry
      if (parent.at <= entry.at) break
      this.heap[index] = parent
      parent.index = index
      index = parentIndex
    }
    this.heap[index] = entry
    entry.index = index
  }

  private down(start: number): void {
    let index = start
    const length = this.heap.length
    const entry = this.heap[index] as Entry
    for (;;) {
      const left = 2 * index + 1
      if (left >= length) break
      const right = left + 1
      let child = left
      if (right < length && (this.heap[right] as Entry).at < (this.heap[left] as Entry).at) child = right
      const childEntry = this.heap[child] as Entry
      if (childEntry.at >= entry.at) break
      this.heap[index] = childEntry
      childEntry.index = index
      index = child
    }
    this.heap[index] = entry
    entry.index = index
  }
}
