import type { Deadline, DeadlineQueue } from "./DeadlineQueue.ts"

/**
 * The message ids a queue or topic with `RequiresDuplicateDetection` accepted within its
 * `DuplicateDetectionHistoryTimeWindow`. A message whose id is in the history is accepted and dropped, as Service
 * Bus does (the sender sees success). An id stays for one window from the send that recorded it; a dropped
 * duplicate does not extend it.
 *
 * Ids are kept in insertion order, which is time order, so expired ones are evicted from the front: memory holds
 * one window of ids, and a single deadline sweeps them when sends stop.
 */
export class DuplicateDetectionHistory {
  /** Message id → when it was recorded (ms). */
  readonly recorded = new Map<string, number>()
  private readonly deadlines: DeadlineQueue
  private readonly now: () => number
  private readonly swept: (forgotten: number) => void
  private sweep: Deadline | undefined = undefined

  /** `swept` is told how many ids a timed sweep forgot. */
  constructor(deadlines: DeadlineQueue, now: () => number, swept: (forgotten: number) => void = () => undefined) {
    this.deadlines = deadlines
    this.now = now
    this.swept = swept
  }

  /** Records `messageId`; true when it was already recorded inside the window (the message is a duplicate). */
  isDuplicate(messageId: string, windowMs: number): boolean {
    const now = this.now()
    this.evict(now, windowMs)
    if (this.recorded.has(messageId)) return true
    this.recorded.set(messageId, now)
    this.armSweep(windowMs)
    return false
  }

  /** Records ids seen before a restart (oldest first); those whose window already ended are left out. */
  restore(recorded: ReadonlyArray<readonly [string, number]>, windowMs: number): void {
    for (const [messageId, recordedAt] of recorded) this.recorded.set(messageId, recordedAt)
    this.evict(this.now(), windowMs)
    this.armSweep(windowMs)
  }

  clear(): void {
    this.deadlines.cancel(this.sweep)
    this.sweep = undefined
    this.recorded.clear()
  }

  /** Forgets the ids whose window ended; returns how many. */
  private evict(now: number, windowMs: number): number {
    let forgotten = 0
    for (const [messageId, recordedAt] of this.recorded) {
      if (recordedAt + windowMs > now) break
      this.recorded.delete(messageId)
      forgotten++
    }
    return forgotten
  }

  private armSweep(windowMs: number): void {
    if (this.sweep !== undefined) return
    const oldest = this.recorded.values().next()
    if (oldest.done === true) return
    this.sweep = this.deadlines.schedule(oldest.value + windowMs, () => {
      this.sweep = undefined
      const forgotten = this.evict(this.now(), windowMs)
      this.armSweep(windowMs)
      if (forgotten > 0) this.swept(forgotten)
    })
  }
}
