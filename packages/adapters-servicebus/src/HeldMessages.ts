import { Clock, type Duration, Effect, Schedule } from "effect"

/** A message a receiver holds: delivered, not yet settled, occupying one of the SDK's concurrent calls. */
export interface Held {
  /** After this time (epoch ms, by the receiver's clock) the message's lock is certainly gone. */
  readonly giveUpAt: number
  /** Its consumer renewed its lock: it holds the message on purpose, so a closing receiver waits for it. */
  readonly kept?: boolean | undefined
  /** Frees the SDK call the message occupies, so the broker may send another. */
  readonly releaseSlot: () => void
  /** Abandons the message on behalf of nobody (its receiver is closing), unless it was settled already. */
  readonly abandonQuietly: () => void
  /** Renews its lock if that is due by `now` (a message without it is not renewed). */
  readonly renewIfDue?: (now: number) => void
}

/**
 * The messages one receiver holds. Each holds an SDK call, so the broker's credit follows how fast the consumer
 * settles; a message counts as held until the broker acknowledged its settlement, or until its lock is certainly
 * gone (a message nobody settles must not hold a slot forever).
 */
export class HeldMessages {
  readonly #held = new Set<Held>()
  #whenIdle: (() => void) | undefined

  get size(): number {
    return this.#held.size
  }

  add(held: Held): void {
    this.#held.add(held)
  }

  /** Frees the slot of `held` (once: later calls do nothing). */
  release(held: Held): void {
    if (!this.#held.delete(held)) return
    held.releaseSlot()
    if (this.#held.size === 0) this.#whenIdle?.()
  }

  /** Frees the slots of the messages whose lock is certainly gone by `now`, and renews the locks due; returns how many were freed. */
  releaseExpired(now: number): number {
    let released = 0
    for (const held of this.#held) {
      if (held.giveUpAt > now) {
        held.renewIfDue?.(now)
        continue
      }
      this.release(held)
      released++
    }
    return released
  }

  /** Abandons every message still held (nobody will settle them: the receiver is closing), or all but the kept ones. */
  abandonAll(options: { readonly exceptKept?: boolean } = {}): void {
    for (const held of [...this.#held]) if (!(options.exceptKept === true && held.kept === true)) held.abandonQuietly()
  }

  /** Succeeds once no message is held. */
  readonly idle: Effect.Effect<void> = Effect.callback<void>((resume) => {
    if (this.#held.size === 0) return resume(Effect.void)
    this.#whenIdle = () => {
      this.#whenIdle = undefined
      resume(Effect.void)
    }
    return Effect.sync(() => {
      this.#whenIdle = undefined
    })
  })

  /**
   * Checks the held messages against their give-up and lock renewal times every `interval` (one timer for all is
   * cheaper than one per message), on the `Clock`, for as long as it runs.
   */
  sweep(interval: Duration.Input): Effect.Effect<void> {
    return Clock.currentTimeMillis.pipe(
      Effect.map((now) => this.releaseExpired(now)),
      Effect.schedule(Schedule.spaced(interval)),
      Effect.asVoid,
    )
  }
}
