import {
  ArchiveSink,
  EventSubscription,
  LogAnalyticsSink,
  type ReceivedMessage,
  type SinkWriteError,
  SubscriptionError,
} from "@haymaker/domain"
import { Cause, Clock, Deferred, Duration, Effect, Exit, Fiber, Option, Queue, Ref, Schedule, Stream } from "effect"
import { countOutage } from "../metrics/WorkerMetrics.ts"
import type { HeldMessages } from "../progress/HeldMessages.ts"
import { makeLockKeeper } from "./LockKeeper.ts"
import {
  type BatchPolicy,
  type BatchTotals,
  type Outage,
  processBatch,
  rememberOutage,
  writeAndSettle,
} from "./processBatch.ts"
import { defaultWriteTimeout, type SinkFailure } from "./writeWithRetry.ts"

export interface RecoveryPolicy {
  /** First wait before reaching the broker or a paused sink again; each failed attempt doubles it. */
  readonly initialDelay: Duration.Input
  readonly maxDelay: Duration.Input
}

export const defaultRecovery: RecoveryPolicy = { initialDelay: Duration.seconds(1), maxDelay: Duration.seconds(30) }

/** The waits between tries to reach the broker or a paused sink: exponential from `initialDelay`, capped. */
export const recoverySchedule = (recovery: RecoveryPolicy): Schedule.Schedule<Duration.Duration> =>
  Schedule.min([Schedule.exponential(recovery.initialDelay), Schedule.spaced(recovery.maxDelay)])

export interface WorkerOptions extends BatchPolicy {
  /** Messages per sink call at most. */
  readonly batchSize: number
  /** How long a partial batch waits for more messages before it is written. */
  readonly batchWait: Duration.Input
  /** Micro-batches processed at the same time. */
  readonly batchConcurrency: number
  /** Backoff while the broker is unreachable or a sink is out. Default {@link defaultRecovery}. */
  readonly recovery?: RecoveryPolicy | undefined
  /** Told of every message taken and settled, for the progress line's count and age of held messages. */
  readonly held?: HeldMessages | undefined
  /** Run each time the worker starts receiving: at start, and again after an outage. */
  readonly onReceiving?: Effect.Effect<void> | undefined
}

/** Totals since the worker started. */
export interface WorkerTotals {
  received: number
  completed: number
  abandoned: number
  deadLettered: number
  settlementFailures: number
}

/** Whether the worker takes messages now, and why not (`/readyz`, `haymaker_ready`). */
export interface WorkerState {
  readonly ready: boolean
  readonly reason: string
}

export const startingState: WorkerState = { ready: false, reason: "starting" }

/** Errors a restart with the same settings cannot fix: the worker stops on them, naming the cause. */
const isFatal = (error: SubscriptionError): boolean =>
  error.reason === "Unauthorized" || error.reason === "EntityNotFound"

/** Why a session (one run of the subscription) ended. */
type SessionEnd =
  | { readonly _tag: "Stopped" }
  | { readonly _tag: "SinkOutage"; readonly failure: SinkFailure }
  | { readonly _tag: "SubscriptionFailed"; readonly error: SubscriptionError }

const describeFailure = (failure: SinkFailure): string =>
  `${failure.sink} sink ${failure.kind === "Unavailable" ? "unavailable" : "failing"}: ${failure.message}`

/** An outage already met, so a batch hands its messages back without writing them: the worker is stopping. */
const handingBack: Outage = {
  current: { sink: "Worker", kind: "Transient", message: "stopping: handing the held messages back" },
  declare: () => Effect.void,
}

/**
 * The orchestrator loop: subscription → micro-batches → sinks → settlement, kept alive through outages. It ends
 * when `stop` completes (every message already taken is written and settled first), or fails on an error a restart
 * cannot fix (wrong credentials, a missing topic or subscription).
 *
 * - Before taking messages it probes both sinks and checks the subscription; `readiness` says ready only while a
 *   session receives with everything reachable.
 * - A sink outage (credentials refused, a missing table, or failures that outlast the retry budget: the service down
 *   or frozen) is the deployment's problem, not the messages': the session stops pulling, hands back what it holds
 *   (one delivery each, never a dead letter), and the worker probes the sink with backoff until it answers.
 * - A message that handing back would leave at most one delivery from MaxDeliveryCount (`mustHold`) is held instead,
 *   its lock renewed, and written again after each backoff until it lands (or a stop hands it back): only then does
 *   the session end and the worker probe again. An outage that a probe cannot see (writes failing while probes pass)
 *   so never dead-letters a message.
 * - The broker going away (refused connections, a dropped link) ends the session too; the worker checks the
 *   subscription with backoff and starts a new one once it answers.
 */
export const runWorker = Effect.fn("Worker.run")(function* (
  options: WorkerOptions,
  stop: Deferred.Deferred<void>,
  onBatch?: (outcome: BatchTotals, totals: WorkerTotals) => Effect.Effect<void>,
  readiness?: Ref.Ref<WorkerState>,
) {
  const state = readiness ?? (yield* Ref.make(startingState))
  const subscription = yield* EventSubscription
  const logAnalytics = yield* LogAnalyticsSink
  const archive = yield* ArchiveSink
  const totals: WorkerTotals = { received: 0, completed: 0, abandoned: 0, deadLettered: 0, settlementFailures: 0 }
  const backoff = recoverySchedule(options.recovery ?? defaultRecovery)
  // The next wait of the backoff; restarted (from the first delay) once a session got messages through.
  let nextWait = yield* Schedule.toStepWithSleep(backoff)
  const probeTimeout = options.sinkRetry.writeTimeout ?? defaultWriteTimeout
  const unready = (reason: string) => Ref.set(state, { ready: false, reason })
  // Waits, unless the worker is told to stop meanwhile; answers whether it may go on.
  const pause = Effect.suspend(() => nextWait(undefined)).pipe(
    // The schedule never ends, so its step never reports done.
    Effect.orDie,
    Effect.raceFirst(Deferred.await(stop)),
    Effect.andThen(Effect.map(Deferred.isDone(stop), (stopped) => !stopped)),
  )
  const probe = (sink: string, effect: Effect.Effect<void, SinkWriteError>) =>
    effect.pipe(
      Effect.timeoutOrElse({
        duration: probeTimeout,
        orElse: () =>
          Effect.fail({ sink, message: `no answer within ${Duration.format(Duration.fromInputUnsafe(probeTimeout))}` }),
      }),
      Effect.mapError((error) => `${sink} sink not usable: ${error.message}`),
    )

  while (!(yield* Deferred.isDone(stop))) {
    // Both sinks must take writes before any message is taken: otherwise every message would be handed back.
    const sinks = yield* Effect.result(
      Effect.all([probe("LogAnalytics", logAnalytics.probe), probe("Archive", archive.probe)], { concurrency: 2 }),
    )
    if (sinks._tag === "Failure") {
      yield* unready(sinks.failure)
      yield* Effect.logError(`${sinks.failure}; not taking messages, trying again`)
      if (!(yield* pause)) break
      continue
    }
    const checked = yield* Effect.result(subscription.check.pipe(Effect.raceFirst(Deferred.await(stop))))
    if (checked._tag === "Failure") {
      const error = checked.failure
      yield* unready(`Service Bus: ${error.message}`)
      if (isFatal(error)) {
        yield* Effect.logError(`cannot receive, and a restart will not change that: ${error.message}`)
        return yield* error
      }
      yield* Effect.logError(`cannot reach Service Bus, trying again: ${error.message}`)
      if (!(yield* pause)) break
      continue
    }
    if (yield* Deferred.isDone(stop)) break

    yield* Ref.set(state, { ready: true, reason: "receiving" })
    if (options.onReceiving !== undefined) yield* options.onReceiving
    const completed = totals.completed
    const end = yield* session(options, stop, subscription, totals, onBatch, {
      pause,
      unready,
    })
    // A session that completed messages was healthy: the next trouble starts its backoff afresh. One that completed
    // nothing (a probe that passes while writes still fail) keeps backing off, so that its hand-backs stay rare.
    if (totals.completed > completed) nextWait = yield* Schedule.toStepWithSleep(backoff)
    switch (end._tag) {
      case "Stopped":
        break
      case "SinkOutage":
        yield* countOutage(end.failure.sink)
        yield* unready(describeFailure(end.failure))
        yield* Effect.logError(
          `${describeFailure(end.failure)}; stopped pulling and handed back the messages held (no dead letters); probing it`,
        )
        if (!(yield* pause)) break
        continue
      case "SubscriptionFailed":
        yield* unready(`Service Bus: ${end.error.message}`)
        if (isFatal(end.error)) {
          yield* Effect.logError(`cannot receive, and a restart will not change that: ${end.error.message}`)
          return yield* end.error
        }
        yield* Effect.logError(`lost the subscription, reconnecting: ${end.error.message}`)
        if (!(yield* pause)) break
        continue
    }
    break
  }
  yield* unready("stopped")
  return totals
})

/**
 * One run of the subscription. Messages pass through a small inbox rather than straight from the subscription
 * stream: ending it (a stop, a sink outage) ends the inbox at once, so the batches downstream drain it and settle
 * everything, while the subscription closes on its own fiber. Interrupting the subscription stream in place would make
 * its close (which waits for held messages to be settled) and the last partial batch (which holds some of them) wait
 * for each other. Batches are uninterruptible so an interruption (a signal) also lets them settle first.
 */
const session = Effect.fnUntraced(function* (
  options: WorkerOptions,
  stop: Deferred.Deferred<void>,
  subscription: EventSubscription["Service"],
  totals: WorkerTotals,
  onBatch: ((outcome: BatchTotals, totals: WorkerTotals) => Effect.Effect<void>) | undefined,
  recovery: { readonly pause: Effect.Effect<boolean>; readonly unready: (reason: string) => Effect.Effect<void> },
) {
  // Unbounded, yet never larger than what the subscription holds (its concurrency): the broker sends more only as
  // messages are settled. Offering never blocks, so a chunk of messages pulled from the subscription is always handed
  // over whole, even when receiving is interrupted.
  const inbox = yield* Queue.unbounded<ReceivedMessage, SubscriptionError | Cause.Done>()
  const scope = yield* Effect.scope
  // Ends the inbox and stops receiving. The interruption starts at once (the subscription starts closing before this
  // returns) and completes on a fiber of its own: closing waits for the messages still held to be settled.
  const stopReceiving = Effect.suspend(() =>
    Queue.end(inbox).pipe(
      Effect.andThen(Fiber.interrupt(receiving)),
      Effect.forkIn(scope, { startImmediately: true }),
      Effect.asVoid,
    ),
  )
  // Declared by the first batch that finds a sink out, before it hands its messages back: later batches hand theirs
  // back without writing.
  const outage = {
    current: undefined as SinkFailure | undefined,
    declare: (failure: SinkFailure) =>
      Effect.suspend(() => {
        if (outage.current !== undefined) return Effect.void
        outage.current = failure
        return stopReceiving
      }),
  } satisfies Outage

  const receiving: Fiber.Fiber<void, SubscriptionError> = yield* subscription.messages.pipe(
    Stream.runForEachArray((messages) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        options.held?.add(messages, now)
        const refused = Queue.offerAllUnsafe(inbox, messages)
        options.held?.remove(refused)
        // Messages arriving after the session ended were never taken: hand them back to the broker now.
        return refused.length === 0
          ? Effect.void
          : Effect.uninterruptible(
              Effect.forEach(refused, (message) => Effect.ignore(message.abandon), {
                concurrency: "unbounded",
                discard: true,
              }),
            )
      }),
    ),
    Effect.onExit((exit) => (Exit.isFailure(exit) ? Queue.failCause(inbox, exit.cause) : Queue.end(inbox))),
    Effect.forkScoped,
  )
  yield* Deferred.await(stop).pipe(Effect.andThen(stopReceiving), Effect.forkScoped)

  // Messages an outage must not hand back (`mustHold`): their locks renewed until they are settled.
  const keeper = yield* makeLockKeeper
  const account = (batch: ReadonlyArray<ReceivedMessage>, outcome: BatchTotals) =>
    Effect.suspend(() => {
      const held = new Set(outcome.held)
      options.held?.remove(batch.filter((message) => !held.has(message)))
      keeper.release(batch)
      totals.completed += outcome.completed
      totals.abandoned += outcome.abandoned
      totals.deadLettered += outcome.deadLettered
      totals.settlementFailures += outcome.settlementFailures
      return keeper
        .keep(outcome.held)
        .pipe(Effect.andThen(onBatch === undefined ? Effect.void : onBatch(outcome, totals)))
    })

  const drained = yield* Stream.fromQueue(inbox).pipe(
    Stream.groupedWithin(options.batchSize, options.batchWait),
    Stream.mapEffect(
      (batch) =>
        processBatch(batch, options, outage).pipe(
          Effect.tap((outcome) => {
            totals.received += batch.length
            return account(batch, outcome)
          }),
          Effect.uninterruptible,
        ),
      { concurrency: options.batchConcurrency },
    ),
    Stream.runDrain,
    Effect.exit,
  )

  // Held through the outage: the session stopped receiving; the messages are written again after each backoff until
  // they land (or are refused), and handed back only when the worker stops.
  let failure = outage.current
  while (keeper.kept().length > 0) {
    const held = keeper.kept()
    if (failure !== undefined) {
      yield* recovery.unready(`${describeFailure(failure)} (holding ${held.length} message(s) near MaxDeliveryCount)`)
      yield* Effect.logError(
        `${describeFailure(failure)}; holding ${held.length} message(s) that a hand-back would bring within one delivery of MaxDeliveryCount, renewing their locks; writing them again after a pause`,
      )
    }
    const goOn = yield* recovery.pause
    const outcome = yield* (
      goOn
        ? writeAndSettle(held, options, rememberOutage())
        : // Stopping: hand them back (a graceful drain settles every message it took).
          writeAndSettle(held, { ...options, maxDeliveryCount: Number.POSITIVE_INFINITY }, handingBack)
    ).pipe(Effect.uninterruptible)
    yield* account(held, outcome)
    if (outcome.outage !== undefined) {
      failure = outcome.outage
      yield* countOutage(failure.sink)
    }
  }

  if (yield* Deferred.isDone(stop)) return { _tag: "Stopped" } satisfies SessionEnd as SessionEnd
  if (outage.current !== undefined) return { _tag: "SinkOutage", failure: outage.current } as SessionEnd
  const error = Exit.isFailure(drained) ? Cause.findErrorOption(drained.cause) : Option.none()
  return {
    _tag: "SubscriptionFailed",
    error: Option.getOrElse(
      error,
      () => new SubscriptionError({ reason: "Disconnected", message: "the subscription's stream ended" }),
    ),
  } as SessionEnd
}, Effect.scoped)
