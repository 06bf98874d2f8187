import type { Delivery, Session } from "rhea"

/**
 * Keeps dispositions with different outcomes out of one event-loop turn on a session.
 *
 * rhea writes the dispositions made in one turn as frames over ranges of consecutive delivery ids, one outcome per
 * range, and the registry's rhea (3.0.5 and before) gives the second delivery of a range the first one's outcome
 * (docs/rhea-disposition-ranges.md): a send the broker refused next to one it stored is reported stored, or the
 * stored one refused (the producer sends it again: a duplicate). This repository patches rhea, but a user of
 * `npx @haymaker/servicebus-emulator` gets the registry's copy. So on each session, per direction (rhea ranges a
 * session's incoming and outgoing deliveries separately): acceptances go out at once and may share a turn (a range
 * of them is right, and cheap); every other outcome goes out alone, in a turn no other disposition of that session
 * and direction shares. A turn ends at the next `setImmediate`, by which time rhea has written the turn's frames
 * (it writes in a `process.nextTick`).
 */
class DispositionGate {
  /** A disposition other than an acceptance went out in the current turn: everything else waits for the next. */
  private exclusive = false
  private scheduled = false
  private waiting: Array<{ readonly accepted: boolean; readonly issue: () => void }> = []
  private readonly endTurn = () => this.startTurn()

  settle(accepted: boolean, issue: () => void): void {
    if (accepted && !this.exclusive) {
      issue()
      return
    }
    // Not an acceptance: acceptances may have gone out in this turn, so it waits for the next.
    this.waiting.push({ accepted, issue })
    this.schedule()
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(this.endTurn)
  }

  /** The oldest waiting disposition decides what the new turn carries: itself alone, or every waiting acceptance. */
  private startTurn(): void {
    this.scheduled = false
    this.exclusive = false
    const head = this.waiting[0]
    if (head === undefined) return
    if (!head.accepted) {
      this.waiting.shift()
      this.exclusive = true
      this.schedule()
      head.issue()
      return
    }
    const accepted = this.waiting.filter((waiting) => waiting.accepted)
    this.waiting = this.waiting.filter((waiting) => !waiting.accepted)
    if (this.waiting.length > 0) this.schedule()
    for (const waiting of accepted) waiting.issue()
  }
}

const incomingGates = new WeakMap<Session, DispositionGate>()
const outgoingGates = new WeakMap<Session, DispositionGate>()

/**
 * Runs `issue`, which settles `delivery` (accepted or not, as `accepted` says), now or in the first turn where its
 * disposition shares no frame with another outcome. `issue` must not throw.
 */
export const settleInTurn = (delivery: Delivery, accepted: boolean, issue: () => void): void => {
  // A delivery the client sent settled gets no disposition frame.
  if (delivery.remote_settled) {
    issue()
    return
  }
  const { link } = delivery
  const gates = link.is_receiver() ? incomingGates : outgoingGates
  let gate = gates.get(link.session)
  if (gate === undefined) {
    gate = new DispositionGate()
    gates.set(link.session, gate)
  }
  gate.settle(accepted, issue)
}
