import type { ServiceBusReceivedMessage } from "@azure/service-bus"
import { Clock, Duration, Effect, Schedule } from "effect"

export interface WatchdogSettings {
  /** A receiver that delivered nothing for this long while messages wait is considered stuck. */
  readonly idle: Duration.Input
  /** How often the watchdog looks. */
  readonly checkInterval: Duration.Input
}

export const defaultWatchdog: WatchdogSettings = { idle: Duration.minutes(1), checkInterval: Duration.seconds(15) }

export interface ReceiverActivity {
  /** When the receiver last delivered a message, or was (re)started (epoch ms, by the `Clock`). */
  readonly lastActivityAt: number
  /** Messages held (delivered and not yet settled): while any exist the receiver is busy, not stuck. */
  readonly inFlight: number
}

/**
 * Whether the receiver stopped delivering although messages wait. After a network loss the SDK can keep a link that
 * looks open but never gets credit back, so nothing arrives; a peek (a separate management request) still sees the
 * messages. Only an active, unlocked message that was already there before the idle window counts: a message locked
 * by a competing consumer, deferred or scheduled, or just enqueued, is no evidence.
 */
export const isStuck = (
  now: number,
  activity: ReceiverActivity,
  peeked: ReadonlyArray<ServiceBusReceivedMessage>,
  settings: WatchdogSettings,
): boolean => {
  if (activity.inFlight > 0) return false
  if (now - activity.lastActivityAt < Duration.toMillis(settings.idle)) return false
  return peeked.some(
    (message) =>
      message.state === "active" &&
      (message.lockedUntilUtc === undefined || message.lockedUntilUtc.getTime() <= now) &&
      (message.enqueuedTimeUtc === undefined || message.enqueuedTimeUtc.getTime() <= activity.lastActivityAt),
  )
}

/** What the watchdog looks at, and what it does, on one receiver. */
export interface Watched {
  readonly entityPath: string
  readonly activity: Effect.Effect<ReceiverActivity>
  /** The first messages of the entity, peeked; empty when the peek failed (no evidence either way). */
  readonly peek: Effect.Effect<ReadonlyArray<ServiceBusReceivedMessage>>
  /** Replaces the receiver with a new one; the new one counts as activity. */
  readonly restart: Effect.Effect<void>
}

/** Checks the receiver every `checkInterval`, on the `Clock`, and restarts it when it is stuck; runs until interrupted. */
export const watchReceiver = (settings: WatchdogSettings, watched: Watched): Effect.Effect<void> =>
  Effect.gen(function* () {
    const peeked = yield* watched.peek
    const activity = yield* watched.activity
    const now = yield* Clock.currentTimeMillis
    if (!isStuck(now, activity, peeked, settings)) return
    yield* Effect.logWarning(
      `Receiver on ${watched.entityPath} delivered nothing for ${now - activity.lastActivityAt} ms while messages wait; recreating it`,
    )
    yield* watched.restart
  }).pipe(Effect.schedule(Schedule.spaced(settings.checkInterval)), Effect.asVoid)
