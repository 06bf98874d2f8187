import { Array as Arr, type Cause, Effect } from "effect"

/**
 * Hands the messages the SDK's callbacks deliver to the stream, one per pull. A pull already waiting when a message
 * comes gets it at once, in the callback, where a raw SDK handler would run; a queue would wake it a scheduler turn
 * later, which costs CPU on every message and time on every message's way to its settlement. Messages that come
 * while nobody pulls wait, in order. A failure is seen after the messages that came before it.
 */
export class MessageInbox<A, E> {
  #waiting: Array<A> = []
  #puller: ((next: Effect.Effect<Arr.NonEmptyReadonlyArray<A>, E>) => void) | undefined
  #failure: Cause.Cause<E> | undefined
  #closed = false

  /** Hands `message` on; `false` once closed or failed: nobody will take it then. */
  offer(message: A): boolean {
    if (this.#closed || this.#failure !== undefined) return false
    const puller = this.#puller
    if (puller === undefined) {
      this.#waiting.push(message)
      return true
    }
    this.#puller = undefined
    puller(Effect.succeed(Arr.of(message)))
    return true
  }

  /** Ends the stream with `cause` once the messages already waiting are taken. */
  fail(cause: Cause.Cause<E>): void {
    if (this.#closed || this.#failure !== undefined) return
    this.#failure = cause
    const puller = this.#puller
    this.#puller = undefined
    if (this.#waiting.length === 0) puller?.(Effect.failCause(cause))
  }

  /** Takes no more messages; returns those nobody took. */
  close(): Array<A> {
    this.#closed = true
    const left = this.#waiting
    this.#waiting = []
    return left
  }

  /** The next message, as a one-element chunk: an operator that stops early leaves the rest here, to be abandoned. */
  readonly pull: Effect.Effect<Arr.NonEmptyReadonlyArray<A>, E> = Effect.suspend(() => {
    if (this.#waiting.length > 0) return Effect.succeed(Arr.of(this.#waiting.shift() as A))
    if (this.#failure !== undefined) return Effect.failCause(this.#failure)
    return Effect.callback<Arr.NonEmptyReadonlyArray<A>, E>((resume) => {
      this.#puller = resume
      return Effect.sync(() => {
        if (this.#puller === resume) this.#puller = undefined
      })
    })
  })
}
