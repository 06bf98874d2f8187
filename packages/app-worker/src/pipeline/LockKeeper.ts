import type { ReceivedMessage } from "@haymaker/domain"
import { Clock, DateTime, Duration, Effect, type Scope } from "effect"

/** Renews at most this often, and at least this often whatever the broker's lock duration. */
const shortestRenewal = Duration.millis(100)
const longestRenewal = Duration.seconds(30)

/** Messages the worker holds on purpose (through a sink outage), their locks kept alive until they are settled. */
export interface LockKeeper {
  /** Starts keeping `messages` (their locks are renewed at once). */
  readonly keep: (messages: ReadonlyArray<ReceivedMessage>) => Effect.Effect<void>
  /** Stops keeping `messages` (they were settled). */
  readonly release: (messages: ReadonlyArray<ReceivedMessage>) => void
  /** The messages kept now. */
  readonly kept: () => ReadonlyArray<ReceivedMessage>
}

/**
 * Keeps locks through `renewLock`: a message is renewed when it is kept (a closing receiver gives it only its grace
 * before that), then on a fiber of the scope's, every half of the shortest lock the last renewals got back. A renewal
 * that fails (the lock already lost) is logged; the message stays kept, and its settlement fails as any settlement of
 * a lost lock does.
 */
export const makeLockKeeper: Effect.Effect<LockKeeper, never, Scope.Scope> = Effect.gen(function* () {
  const scope = yield* Effect.scope
  const kept = new Set<ReceivedMessage>()
  let renewing = false
  let wait = longestRenewal

  const renew = (messages: ReadonlyArray<ReceivedMessage>) =>
    Effect.forEach(
      messages,
      (message) =>
        Effect.matchEffect(message.renewLock, {
          onSuccess: (lockedUntil) =>
            Effect.map(Clock.currentTimeMillis, (now) => {
              const half = Duration.millis((DateTime.toEpochMillis(lockedUntil) - now) / 2)
              wait = Duration.max(Duration.min(wait, half), shortestRenewal)
            }),
          onFailure: (error) =>
            Effect.logWarning(`could not keep the lock of a held message: ${error.message}`).pipe(
              Effect.annotateLogs({ messageId: message.messageId, deliveryCount: message.deliveryCount }),
            ),
        }),
      { concurrency: 16, discard: true },
    )

  const renewEveryHalfLock = Effect.forever(
    Effect.suspend(() => Effect.sleep(wait)).pipe(Effect.andThen(Effect.suspend(() => renew([...kept])))),
  )

  return {
    keep: (messages) =>
      Effect.suspend(() => {
        for (const message of messages) kept.add(message)
        if (messages.length === 0) return Effect.void
        return renew(messages).pipe(
          Effect.andThen(
            Effect.suspend(() => {
              if (renewing) return Effect.void
              renewing = true
              return Effect.asVoid(Effect.forkIn(renewEveryHalfLock, scope))
            }),
          ),
        )
      }),
    release: (messages) => {
      for (const message of messages) kept.delete(message)
    },
    kept: () => [...kept],
  }
})
