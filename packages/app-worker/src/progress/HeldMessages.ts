/**
 * The messages the worker holds (received, not yet settled) and since when, for the progress line's "oldest held".
 * A Map keeps insertion order, so its first entry is the oldest message still held.
 */
export class HeldMessages {
  private readonly since = new Map<object, number>()

  add(messages: ReadonlyArray<object>, now: number): void {
    for (const message of messages) this.since.set(message, now)
  }

  remove(messages: ReadonlyArray<object>): void {
    for (const message of messages) this.since.delete(message)
  }

  get size(): number {
    return this.since.size
  }

  /** When the oldest message still held was received (epoch ms), if any is held. */
  oldest(): number | undefined {
    for (const receivedAt of this.since.values()) return receivedAt
    return undefined
  }
}
