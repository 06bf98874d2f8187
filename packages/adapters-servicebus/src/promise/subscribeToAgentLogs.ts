import { parseMessageJson, type ReceivedMessage } from "@haymaker/domain"
import { Cause, Deferred, Duration, Effect, Exit, identity, Result, Stream } from "effect"
import { withEventBusLogger } from "../Logging.ts"
import type { WireEvent } from "../MessageEncoding.ts"
import { receiveMessages } from "../MessageReceiver.ts"
import { defaultWatchdog } from "../ReceiverWatchdog.ts"
import { acquireClient, connectionString, hostOf, type ServiceBusRetry } from "../ServiceBusConnection.ts"
import { type CallerOptions, callerLogLevel } from "./PromiseRuntime.ts"

/** The callback receives the event as sent: a JSON object with snake_case keys. */
export type AgentLogCallback = (message: WireEvent) => void | Promise<void>

export interface SubscribeOptions extends CallerOptions {
  /** Resolve once no message arrived for this many seconds (default 5). */
  readonly maxWaitTime?: number
  /** What to do with a body that is not a JSON object: dead-letter it (default) or complete it like the seed. */
  readonly invalidMessages?: "deadLetter" | "complete"
  /** Stops the subscription: the callbacks running finish and settle, then the promise resolves. */
  readonly signal?: AbortSignal
  /** Callbacks running at once (default 1, which keeps the subscription's order). */
  readonly concurrency?: number
  /** How long a message's lock is renewed while its callback runs, in milliseconds (default 5 minutes). */
  readonly maxAutoLockRenewalMs?: number
  readonly retry?: ServiceBusRetry
}

const handle = (message: ReceivedMessage, callback: AgentLogCallback, invalidPolicy: "deadLetter" | "complete") =>
  Effect.gen(function* () {
    const decoded = parseMessageJson(message.body, { bodyType: message.bodyType })
    if (Result.isFailure(decoded)) {
      const problem = decoded.failure
      yield* Effect.logError(`Invalid message ${message.messageId}: ${problem._tag}: ${problem.message}`)
      return yield* invalidPolicy === "complete" ? message.complete : message.deadLetter(problem._tag, problem.message)
    }
    const event = decoded.success
    yield* Effect.logDebug(`Received event type ${String(event.event_type ?? "unknown")}`)
    const called = yield* Effect.tryPromise({
      try: async () => {
        await callback(event)
      },
      catch: identity,
    }).pipe(Effect.exit)
    if (Exit.isSuccess(called)) return yield* message.complete
    yield* Effect.logError(
      `Callback failed for message ${message.messageId}; abandoning it for redelivery`,
      Cause.squash(called.cause),
    )
    return yield* message.abandon
  }).pipe(
    // A settlement that fails (e.g. the lock was lost) leaves the message to the broker's redelivery; keep going.
    Effect.catch((error) => Effect.logError(`Settling message ${message.messageId} failed`, error)),
  )

/** Ends when `signal` aborts (never without one). */
const aborted = (signal: AbortSignal | undefined) =>
  Effect.gen(function* () {
    const stopped = yield* Deferred.make<void>()
    if (signal !== undefined) {
      const onAbort = () => Deferred.doneUnsafe(stopped, Exit.void)
      if (signal.aborted) onAbort()
      else {
        signal.addEventListener("abort", onAbort, { once: true })
        yield* Effect.addFinalizer(() => Effect.sync(() => signal.removeEventListener("abort", onAbort)))
      }
    }
    return Deferred.await(stopped)
  })

/**
 * Receives the subscription's messages in peek-lock mode and calls `callback` for each, sync or async. A callback
 * that returns completes the message; one that throws abandons it for redelivery; a body that is not a JSON object
 * is logged and dead-lettered (or completed with `invalidMessages: "complete"`), and processing continues. Resolves
 * once no message arrived for `maxWaitTime` seconds, or when `signal` aborts; rejects with a typed error when the
 * namespace, credential or entity is wrong.
 */
export const subscribeToAgentLogs = (
  connectionStringValue: string,
  topicName: string,
  subscriptionName: string,
  callback: AgentLogCallback,
  options: SubscribeOptions = {},
): Promise<void> => {
  const connection = connectionString(connectionStringValue)
  const maxWait = Duration.seconds(Math.max(0, options.maxWaitTime ?? 5))
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1))
  const invalidPolicy = options.invalidMessages ?? "deadLetter"
  const program = Effect.gen(function* () {
    const client = yield* acquireClient(connection, options.retry)
    const stopped = yield* aborted(options.signal)
    yield* receiveMessages(
      client,
      {
        topicName,
        subscriptionName,
        concurrency,
        maxAutoLockRenewal: Duration.millis(options.maxAutoLockRenewalMs ?? 5 * 60_000),
        watchdog: defaultWatchdog,
        closeGrace: Duration.seconds(30),
      },
      hostOf(connection),
      identity,
    ).pipe(
      Stream.timeout(maxWait),
      Stream.interruptWhen(stopped),
      Stream.mapEffect((message) => handle(message, callback, invalidPolicy), { concurrency }),
      Stream.runDrain,
    )
  }).pipe(Effect.scoped, withEventBusLogger, Effect.provide(callerLogLevel(options)))
  return Effect.runPromise(program)
}
