import type { ServiceBusReceivedMessage } from "@azure/service-bus"

export interface WatchdogSettings {
  /** A receiver that delivered nothing for this long while messages wait is considered stuck. */
  readonly idleMs: number
  /** How often the watchdog looks. */
  readonly checkIntervalMs: number
}

export const defaultWatchdog: WatchdogSettings = { idleMs: 60_000, checkIntervalMs: 15_000 }

export interface ReceiverActivity {
  readonly now: number
  /** When the receiver last delivered a message, or was (re)started. */
  readonly lastActivityAt: number
  /** Deliveries handed out and not yet settled: while any exist the receiver is busy, not stuck. */
  readonly inFlight: number
}

/**
 * Whether the receiver stopped delivering although messages wait. After a network loss the SDK can keep a link that
 * looks open but never gets credit back, so nothing arrives; a peek (a separate management request) still sees the
 * messages. Only an active, unlocked message that was already there before the idle window counts: a message locked
 * by a competing consumer, deferred or scheduled, or just enqueued, is no evidence.
 */
export const isStuck = (
  activity: ReceiverActivity,
  peeked: ReadonlyArray<ServiceBusReceivedMessage>,
  settings: WatchdogSettings,
): boolean => {
  if (activity.inFlight > 0) return false
  if (activity.now - activity.lastActivityAt < settings.idleMs) return false
  return peeked.some(
    (message) =>
      message.state === "active" &&
      (message.lockedUntilUtc === undefined || message.lockedUntilUtc.getTime() <= activity.now) &&
      (message.enqueuedTimeUtc === undefined || message.enqueuedTimeUtc.getTime() <= activity.lastActivityAt),
  )
}
