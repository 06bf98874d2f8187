import { Data } from "effect"

/**
 * What a consumer does with a message it holds under a peek lock: the one vocabulary of settling, shared by the
 * subscription port, its adapters and the worker.
 *
 * - `Complete`: the message is done with and leaves the subscription;
 * - `Abandon`: the lock is released and the broker delivers the message again (delivery count + 1);
 * - `DeadLetter`: the message moves to the dead-letter queue with a reason and a description;
 * - `Defer`: the message is set aside until received by its sequence number.
 */
export type Settlement = Data.TaggedEnum<{
  Complete: {}
  Abandon: {}
  DeadLetter: { readonly reason: string; readonly description: string }
  Defer: {}
}>

const constructors = Data.taggedEnum<Settlement>()

/** Constructors and matchers of {@link Settlement}; the three without fields are shared values. */
export const Settlement = {
  complete: constructors.Complete(),
  abandon: constructors.Abandon(),
  defer: constructors.Defer(),
  deadLetter: (reason: string, description: string): Settlement => constructors.DeadLetter({ reason, description }),
  $is: constructors.$is,
  $match: constructors.$match,
}

/** A settlement's kind: `Complete`, `Abandon`, `DeadLetter` or `Defer`. */
export type SettlementKind = Settlement["_tag"]
