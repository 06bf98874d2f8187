import { DeadLetterLog, type DeadLetterRecord } from "@haymaker/domain"
import { Cause, type DateTime, Effect, Option } from "effect"
import type { ClassifiedMessage } from "./classifyMessage.ts"

/** How long a batch waits for the dead-letter log before going on without it. */
const RECORD_TIMEOUT = "10 seconds"

const eventTypeOf = (entry: ClassifiedMessage): string | undefined => {
  if (entry._tag === "Invalid") return entry.error._tag === "SchemaViolation" ? entry.error.eventType : undefined
  const type = entry.record.raw.event_type
  return typeof type === "string" ? type : undefined
}

/** The Log Analytics row of a message the worker just dead-lettered: what is known of it, and why. */
export const deadLetterRecordOf = (
  entry: ClassifiedMessage,
  reason: string,
  description: string,
  at: DateTime.Utc,
): DeadLetterRecord => {
  const known = entry._tag === "Valid" && entry.record.event._tag !== "UnknownEvent" ? entry.record.event : undefined
  return {
    key: entry._tag === "Valid" ? entry.record.key : entry.message.sequenceNumber.toString(),
    messageId: entry.message.messageId,
    deliveryCount: entry.message.deliveryCount,
    enqueuedTime: entry.message.enqueuedTime,
    deadLetteredAt: at,
    reason,
    description,
    eventType: eventTypeOf(entry),
    runId: known?.runId,
    scenarioName: known?.scenarioName,
    resourceId: known?.resourceId,
  }
}

const missing = (count: number, why: string) =>
  Effect.logWarning(`${count} dead-lettered message(s) are missing from the dead-letter log: ${why}`)

/**
 * Writes what a batch dead-lettered to the dead-letter log, when the worker has one. Best effort, bounded in time:
 * the messages are in the dead-letter queue already, and a failure here only costs their rows in Log Analytics.
 */
export const recordDeadLetters = (records: ReadonlyArray<DeadLetterRecord>): Effect.Effect<void> =>
  records.length === 0
    ? Effect.void
    : Effect.flatMap(Effect.serviceOption(DeadLetterLog), (log) =>
        Option.isNone(log)
          ? Effect.void
          : log.value.record(records).pipe(
              // Whatever goes wrong, even a defect, stays here: the rows are extra, the worker is not.
              Effect.catchCause((cause) => missing(records.length, Cause.pretty(cause).split("\n")[0] ?? "failed")),
              Effect.timeoutOrElse({
                duration: RECORD_TIMEOUT,
                orElse: () => missing(records.length, `no answer in ${RECORD_TIMEOUT}`),
              }),
            ),
      )
