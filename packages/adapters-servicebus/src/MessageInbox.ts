import { Array as Arr, type Cause, Effect } from "effect"

/**
 * Hands the messages the SDK's callbacks deliver to the stream, one per pull, in order. A pull that waits is woken
 * once per event-loop turn (`setImmediate`): the SDK delivers a socket read's messages in one turn, and the pull then
 * takes them one after another without waiting again, where waking it per message costs a fiber suspension each
 * (in A/B runs, several µs of CPU per message more). A failure is seen after the messages that came before it.
 */
export class MessageInbox<A, E> {
  #waiting: Array<A> = []
  #puller: ((next: Effect.Effect<Arr.NonEmptyReadonlyArray<A>, E>) => void) | undefined
  #wakeScheduled = false
  #failure: Cause.Cause<E> | undefined
  #closed = false
  readonly #wake = () => {
    this.#wakeScheduled = false
    const puller = this.#puller
    if (puller === undefined) return
    if (this.#waiting.length > 0) {
      this.#puller = undefined
      puller(Effect.succeed(Arr.of(this.#waiting.shift() as A)))
    } else if (this.#failure !== undefined) {
      this.#puller = undefined
      puller(Effect.failCause(this.#failure))
    }
  }

  /** Hands `message` on; `false` once closed or failed: nobody will take it then. */
  offer(message: A): boolean {
    if (this.#closed || this.#failure !== undefined) return false
    this.#waiting.push(message)
    this.#scheduleWake()
    return true
  }

  /** Ends the stream with `cause` once the messages already waiting are taken. */
  fail(cause: Cause.Cause<E>): void {
    if (this.#closed || this.#failure !== undefined) return
    this.#failure = cause
    this.#scheduleWake()
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

  #scheduleWake(): void {
    if (this.#puller === undefined || this.#wakeScheduled) return
    this.#wakeScheduled = true
    setImmediate(this.#wake)
  }
}
