import {
  ArchiveSink,
  type DeadLetterRecord,
  type DecodeLimits,
  LogAnalyticsSink,
  type ReceivedMessage,
  Settlement,
} from "@haymaker/domain"
import { DateTime, Duration, Effect, Metric } from "effect"
import {
  batchSize,
  countDeadLettered,
  increment,
  messagesAbandoned,
  messagesCompleted,
  messagesReceived,
  messagesRedelivered,
  settlementFailures,
} from "../metrics/WorkerMetrics.ts"
import { type ClassifiedMessage, classifyMessage } from "./classifyMessage.ts"
import { deadLetterRecordOf, recordDeadLetters } from "./recordDeadLetters.ts"
import { type SinkFailure, type SinkRetryPolicy, writeWithRetry } from "./writeWithRetry.ts"

/** What to do with a message whose body is not a valid event: keep it as evidence, or drop it as the seed did. */
export type InvalidMessagePolicy = "dead-letter" | "complete"

/** How long a batch waits for the broker to answer its settlements. */
export const defaultSettleTimeout: Duration.Duration = Duration.seconds(10)

export interface BatchPolicy {
  readonly invalidMessages: InvalidMessagePolicy
  /** Bodies beyond these are dead-lettered (`BodyTooLarge`, `BodyTooDeep`) before any sink sees them. */
  readonly decodeLimits?: DecodeLimits | undefined
  /** How long a batch waits for its settlements; unanswered ones count as failed. Default 10 s. */
  readonly settleTimeout?: Duration.Input | undefined
  readonly sinkRetry: SinkRetryPolicy
  /**
   * The subscription's MaxDeliveryCount. During an outage a message that a hand-back would leave at most one delivery
   * from it is held (its lock renewed) instead of handed back, so an outage never spends a message's last deliveries.
   * Default 10, Azure's default.
   */
  readonly maxDeliveryCount?: number | undefined
}

export const defaultMaxDeliveryCount = 10

/**
 * Whether an outage must not hand `message` back: after `deliveryCount` earlier deliveries this is delivery
 * `deliveryCount + 1`, so a hand-back leaves `maxDeliveryCount - deliveryCount - 1` more; at most one is too few (one
 * is kept for what the worker cannot prevent: a crash, a lost lock).
 */
export const mustHold = (message: ReceivedMessage, policy: BatchPolicy): boolean =>
  message.deliveryCount + 2 >= (policy.maxDeliveryCount ?? defaultMaxDeliveryCount)

/** Dead-letter reason for a valid event whose data a sink refused (bad data; never an outage). */
export const sinkRejectedReason = "SinkRejected"

/** How one batch's messages were settled (the worker adds these up in `WorkerTotals`), and the outage it met. */
export interface BatchTotals {
  readonly completed: number
  readonly abandoned: number
  readonly deadLettered: number
  readonly settlementFailures: number
  /** A sink out for everyone (unavailable, or failing beyond the retry budget): the worker must stop pulling. */
  readonly outage: SinkFailure | undefined
  /** Messages the outage kept out of a sink that were not handed back ({@link mustHold}): still to be settled. */
  readonly held: ReadonlyArray<ReceivedMessage>
}

/**
 * The outage a session met. The first batch to meet one declares it before it hands its messages back, so the session
 * stops receiving first: otherwise the broker could deliver those messages again to the same session, only to have
 * them handed back a second time. Later batches hand theirs back without writing.
 */
export interface Outage {
  readonly current: SinkFailure | undefined
  readonly declare: (failure: SinkFailure) => Effect.Effect<void>
}

/** An outage that is only remembered (a batch run on its own, with no session to stop). */
export const rememberOutage = (): Outage => {
  const outage = {
    current: undefined as SinkFailure | undefined,
    declare: (failure: SinkFailure) =>
      Effect.sync(() => {
        outage.current ??= failure
      }),
  }
  return outage
}

const settlementOf = (
  classified: ClassifiedMessage,
  failures: ReadonlyArray<SinkFailure>,
  policy: BatchPolicy,
): Settlement => {
  if (classified._tag === "Invalid") {
    return policy.invalidMessages === "complete"
      ? Settlement.complete
      : Settlement.deadLetter(classified.error._tag, classified.error.message)
  }
  if (failures.length === 0) return Settlement.complete
  // Only a refusal of this record's data condemns it; an outage (the retry budget spent, credentials, a missing
  // table) is no fault of the message's, so it goes back to the broker.
  const rejected = failures.find((failure) => failure.kind === "Rejected")
  if (rejected !== undefined) {
    return Settlement.deadLetter(sinkRejectedReason, `${rejected.sink} refused the event: ${rejected.message}`)
  }
  return Settlement.abandon
}

/**
 * One micro-batch as received: counted ({@link writeAndSettle} does the rest).
 */
export const processBatch = Effect.fn("Worker.processBatch")(function* (
  messages: ReadonlyArray<ReceivedMessage>,
  policy: BatchPolicy,
  outage: Outage = rememberOutage(),
) {
  yield* increment(messagesReceived, messages.length)
  let redelivered = 0
  for (const message of messages) if (message.deliveryCount > 0) redelivered++
  yield* increment(messagesRedelivered, redelivered)
  yield* Metric.update(batchSize, messages.length)
  return yield* writeAndSettle(messages, policy, outage)
})

/**
 * Messages received before (a micro-batch, or messages held through an outage): decode every message, write the valid ones to Log Analytics and the archive concurrently (each
 * sink retrying its own failures), then settle each message on its own evidence: complete only what both sinks
 * confirmed, dead-letter what is invalid or whose data a sink refused, abandon what an outage kept out of a sink.
 * When the session already met an outage, valid messages are handed back without writing (invalid ones are still
 * dead-lettered: no sink is needed for that). A message the outage would hand back with too few deliveries left
 * ({@link mustHold}) is not settled but returned in `held`.
 */
export const writeAndSettle = Effect.fn("Worker.writeAndSettle")(function* (
  messages: ReadonlyArray<ReceivedMessage>,
  policy: BatchPolicy,
  outage: Outage = rememberOutage(),
) {
  const logAnalytics = yield* LogAnalyticsSink
  const archive = yield* ArchiveSink
  const now = yield* DateTime.now
  const settleTimeout = policy.settleTimeout ?? defaultSettleTimeout
  const classified = messages.map((message) => classifyMessage(message, now, policy.decodeLimits))
  const records = classified.flatMap((entry) => (entry._tag === "Valid" ? [entry.record] : []))

  const known = outage.current
  const [logFailures, archiveFailures] =
    known === undefined
      ? yield* Effect.all(
          [
            writeWithRetry("LogAnalytics", logAnalytics.write, records, policy.sinkRetry),
            writeWithRetry("Archive", archive.write, records, policy.sinkRetry),
          ],
          { concurrency: 2 },
        )
      : [new Map(records.map((record) => [record.key, known] as const)), new Map<string, SinkFailure>()]
  const met = [...logFailures.values(), ...archiveFailures.values()].find((failure) => failure.kind !== "Rejected")
  if (known === undefined && met !== undefined) yield* outage.declare(met)

  const held: Array<ReceivedMessage> = []
  const outcome = { completed: 0, abandoned: 0, deadLettered: 0, settlementFailures: 0, outage: known ?? met, held }
  const deadLetters: Array<DeadLetterRecord> = []
  // Per message only the settlement itself; logging (and its annotations) only on the rare paths that log.
  let answered = 0
  const settled = yield* Effect.forEach(
    classified,
    (entry) => {
      const id = entry.message.messageId
      const key = entry._tag === "Valid" ? entry.record.key : undefined
      const failures =
        key === undefined ? [] : [logFailures.get(key), archiveFailures.get(key)].filter((f) => f !== undefined)
      const settlement = settlementOf(entry, failures, policy)
      if (settlement._tag === "Abandon" && mustHold(entry.message, policy)) {
        held.push(entry.message)
        answered++
        return Effect.void
      }
      const annotate = Effect.annotateLogs({ messageId: id, deliveryCount: entry.message.deliveryCount })
      return Effect.matchEffect(entry.message.settle(settlement), {
        onSuccess: () => {
          answered++
          if (settlement._tag === "Complete") outcome.completed++
          else if (settlement._tag === "Abandon") outcome.abandoned++
          else if (settlement._tag === "DeadLetter") {
            outcome.deadLettered++
            deadLetters.push(deadLetterRecordOf(entry, settlement.reason, settlement.description, now))
            return countDeadLettered(settlement.reason).pipe(
              Effect.andThen(Effect.logWarning(`dead-lettered: ${settlement.reason}: ${settlement.description}`)),
              annotate,
            )
          }
          return Effect.void
        },
        onFailure: (error) => {
          answered++
          outcome.settlementFailures++
          return annotate(Effect.logWarning(`settlement failed, the broker will redeliver: ${error.message}`))
        },
      })
    },
    { concurrency: "unbounded", discard: true },
  ).pipe(Effect.timeoutOption(settleTimeout))
  if (settled._tag === "None") {
    // The connection died under the settlements (a broker restart): the SDK would wait out its operation timeout
    // (a minute) before failing them, holding the batch and the worker's recovery. The broker redelivers them.
    const unanswered = classified.length - answered
    outcome.settlementFailures += unanswered
    yield* Effect.logWarning(
      `${unanswered} settlement(s) got no answer within ${Duration.format(Duration.fromInputUnsafe(settleTimeout))}; the broker will redeliver those messages`,
    )
  }
  yield* recordDeadLetters(deadLetters)
  yield* increment(messagesCompleted, outcome.completed)
  yield* increment(messagesAbandoned, outcome.abandoned)
  yield* increment(settlementFailures, outcome.settlementFailures)
  return outcome satisfies BatchTotals
})
