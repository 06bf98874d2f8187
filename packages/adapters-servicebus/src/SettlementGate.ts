import type { SettlementKind } from "@haymaker/domain"

/** Schedules `run` after everything the current event-loop turn queued (its microtasks and `nextTick`s). */
export type NextTurn = (run: () => void) => void

const nextImmediate: NextTurn = (run) => {
  setImmediate(run)
}

interface Waiting {
  readonly batchable: boolean
  readonly issue: () => void
}

/**
 * Keeps settlements of different kinds out of one event-loop turn on a receiver.
 *
 * rhea writes the settlements made in one turn as `disposition` frames over ranges of consecutive deliveries, one
 * outcome per range, and up to 3.0.5 it puts the second delivery of a range in whatever its outcome (an abandon next
 * to a complete is sent as a complete: docs/rhea-disposition-ranges.md). This repository patches rhea, but an
 * application installing our packages gets the registry's copy. So: completions issued in one turn may go out
 * together (the range is then correct, and cheap); an abandon, dead-letter or defer goes out alone, in a turn no
 * other settlement of this receiver shares.
 *
 * A turn ends at the next `setImmediate`: by then Node has run the current turn's microtasks, in which the SDK reaches
 * rhea, and rhea's frame writing, which rhea schedules with `process.nextTick`. Completions cost no timer: they go out
 * at once unless an abandon, dead-letter or defer went out in the current turn. Any other settlement waits for the
 * next turn (a completion may have gone out in this one) and then goes out alone, one per turn, in the order made.
 */
export class SettlementGate {
  readonly #nextTurn: NextTurn
  /** An abandon, dead-letter or defer went out in the current turn: everything else waits for the next. */
  #exclusiveTurn = false
  /** The end of the current turn is scheduled. */
  #scheduled = false
  #waiting: Array<Waiting> = []
  readonly #endTurn = () => this.#startTurn()

  constructor(nextTurn: NextTurn = nextImmediate) {
    this.#nextTurn = nextTurn
  }

  /** Settlements accepted but not issued yet (they wait for a turn of their own). */
  get waiting(): number {
    return this.#waiting.length
  }

  /** Calls `issue` (which must not throw) now, or in the first turn where it cannot share a frame with another kind. */
  submit(kind: SettlementKind, issue: () => void): void {
    const batchable = kind === "Complete"
    if (batchable && !this.#exclusiveTurn) {
      issue()
      return
    }
    this.#waiting.push({ batchable, issue })
    this.#schedule()
  }

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    this.#nextTurn(this.#endTurn)
  }

  /** A turn ended: the oldest waiting settlement decides what the next one carries. */
  #startTurn(): void {
    this.#scheduled = false
    this.#exclusiveTurn = false
    const head = this.#waiting[0]
    if (head === undefined) return
    if (!head.batchable) {
      this.#waiting.shift()
      this.#exclusiveTurn = true
      this.#schedule()
      head.issue()
      return
    }
    // Completions that waited out an exclusive turn go together; the next other settlement waits for the next turn.
    const completions = this.#waiting.filter((waiting) => waiting.batchable)
    this.#waiting = this.#waiting.filter((waiting) => !waiting.batchable)
    if (this.#waiting.length > 0) this.#schedule()
    for (const completion of completions) completion.issue()
  }
}
