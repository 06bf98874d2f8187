import type {
  ProcessErrorArgs,
  ServiceBusClient,
  ServiceBusReceivedMessage,
  ServiceBusReceiver,
} from "@azure/service-bus"
import type { ReceivedMessage } from "@haymaker/domain"
import { Array as Arr, Cause, Channel, Clock, Duration, Effect, Scope, Stream } from "effect"
import { withEventBusLogger } from "./Logging.ts"
import { MessageInbox } from "./MessageInbox.ts"
import { eventTypeOf, makeReceiverShared, PeekLockedMessage } from "./PeekLockedMessage.ts"
import { type WatchdogSettings, watchReceiver } from "./ReceiverWatchdog.ts"
import { closeQuietly, peekFirst, scopedReceiver } from "./SdkReceivers.ts"
import { subscriptionPath } from "./ServiceBusConnection.ts"
import { fromSdkError, type ServiceBusAdapterError } from "./ServiceBusErrors.ts"

export interface ReceiverSettings {
  readonly topicName: string
  readonly subscriptionName: string
  /** Messages held (delivered and not yet settled) at most; the broker sends more only as these are settled. */
  readonly concurrency: number
  /** How long the lock of an unsettled message is kept renewed; zero turns renewal off. */
  readonly maxAutoLockRenewal: Duration.Duration
  /** Recreates the receiver when it stops delivering while messages wait; `undefined` turns it off. */
  readonly watchdog: WatchdogSettings | undefined
  /** On close, how long held messages may take to be settled before they are abandoned. */
  readonly closeGrace: Duration.Duration
}

/** How often held messages are checked against their give-up time and for lock renewal. */
const sweepInterval = Duration.millis(500)

/** How long a receiver may go without a delivery before a peek checks its namespace, credential and entity. */
const validateAfter = Duration.seconds(1)

/** Failures that retrying cannot heal: they end the stream, so the caller sees why. */
const fatalCodes = new Set(["ServiceBusUnauthorized", "ServiceBusEntityNotFound", "ServiceBusConnectionRefused"])

/** The SDK's streaming receiver in use, and its subscription (the loop that calls us per message). */
interface Streaming {
  readonly receiver: ServiceBusReceiver
  readonly subscription: { close(): Promise<void> }
  /** Ends the subscription's attempts to open its link: closing it otherwise waits out the SDK's retry delay. */
  readonly stopStarting: AbortController
}

/** Stops a streaming receiver: no more deliveries; the receiver (and the link its settlements use) stays open. */
const stopReceiving = (streaming: Streaming): Effect.Effect<void> =>
  Effect.suspend(() => {
    streaming.stopStarting.abort()
    return closeQuietly(streaming.subscription)
  })

/**
 * Streams the messages of a topic subscription in peek-lock mode. The SDK's streaming receiver runs with
 * auto-complete off and `concurrency` concurrent calls; each call returns when its message is settled, so the
 * broker's credit (and therefore how many messages are locked at once) follows how fast the consumer settles:
 * backpressure all the way to the broker. Locks are renewed while a message is held. Failures of the stream are
 * in the caller's terms (`toError`); settlement failures are the port's `SettlementError`.
 *
 * One message per pull, not the whole buffer: an operator that stops early (`take`) then leaves the messages it did
 * not want in the buffer, where closing finds and abandons them, instead of dropping them with the rest of a chunk
 * while they stay locked.
 */
export const receiveMessages = <E>(
  client: ServiceBusClient,
  settings: ReceiverSettings,
  host: string,
  toError: (error: ServiceBusAdapterError) => E,
): Stream.Stream<ReceivedMessage, E> =>
  Stream.fromChannel(
    Channel.fromTransform((_, scope) =>
      Effect.gen(function* () {
        const inbox = new MessageInbox<PeekLockedMessage, E>()
        const clock = yield* Clock.Clock
        const shared = yield* makeReceiverShared(subscriptionPath(settings.topicName, settings.subscriptionName), host)
        const { entityPath, held, debug } = shared
        const renewalMs = Duration.toMillis(settings.maxAutoLockRenewal)
        const sweepMs = Duration.toMillis(sweepInterval)
        let closing = false
        let delivered = false
        let lastActivityAt = clock.currentTimeMillisUnsafe()

        // The SDK keeps its call pending (and the broker's credit used) until the message is settled, or until its
        // lock is certainly gone: renewal over, then one more lock duration, and a second for clock drift. The sweep
        // renews the lock, like the SDK, when it has half its duration (at most 10 s) left, plus a sweep interval.
        const holdUntilSettled = (receiver: ServiceBusReceiver, message: ServiceBusReceivedMessage) =>
          new Promise<void>((releaseSlot) => {
            const receivedAt = clock.currentTimeMillisUnsafe()
            const lockMs = Math.max(0, (message.lockedUntilUtc?.getTime() ?? receivedAt) - receivedAt)
            const giveUpAt = receivedAt + Math.max(renewalMs, lockMs) + lockMs + 1_000
            const renewLead = Math.min(lockMs / 2, 10_000) + sweepMs
            const received = new PeekLockedMessage(
              shared,
              receiver,
              message,
              giveUpAt,
              releaseSlot,
              receivedAt + renewalMs,
              renewLead,
            )
            held.add(received)
            lastActivityAt = receivedAt
            delivered = true
            debug?.(`Received message ${received.messageId} (${eventTypeOf(message)})`)
            if (closing || !inbox.offer(received)) received.abandonQuietly()
          })

        const onError = async (args: ProcessErrorArgs) => {
          if (closing) return
          const error = fromSdkError(args.error, shared.failureContext(args.errorSource))
          if (args.errorSource === "receive" && fatalCodes.has(error._tag)) {
            inbox.fail(Cause.fail(toError(error)))
            return
          }
          debug?.(`Receiver error (${args.errorSource}) on ${entityPath}: ${error.message}`)
        }

        const start = (): Streaming => {
          const receiver = client.createReceiver(settings.topicName, settings.subscriptionName, {
            receiveMode: "peekLock",
            // Locks are renewed by the sweep, one timer for all held messages.
            maxAutoLockRenewalDurationInMs: 0,
            skipParsingBodyAsJson: true,
          })
          const stopStarting = new AbortController()
          const subscription = receiver.subscribe(
            { processMessage: (message) => holdUntilSettled(receiver, message), processError: onError },
            { autoCompleteMessages: false, maxConcurrentCalls: settings.concurrency, abortSignal: stopStarting.signal },
          )
          lastActivityAt = clock.currentTimeMillisUnsafe()
          return { receiver, subscription, stopStarting }
        }

        yield* Effect.forkScoped(held.sweep(sweepInterval))

        let streaming = start()

        // A delivery proves the namespace, the credential and the entity. Until one comes, a peek after
        // `validateAfter` checks them, so that a wrong one the SDK would retry in silence (an unknown host) still ends
        // the stream with a typed error; a wrong entity or key the receiver reports itself, at once. (A peek at every
        // start, even unawaited, cost a management link and its authorization: about 60 ms and 8 ms of CPU.)
        const probe = yield* scopedReceiver(client, settings.topicName, settings.subscriptionName)
        const peek = peekFirst(probe, shared.failureContext("receive from"))
        yield* Effect.forkScoped(
          Effect.sleep(validateAfter).pipe(
            Effect.andThen(
              Effect.suspend(() =>
                delivered
                  ? Effect.void
                  : Effect.catch(peek, (error) => Effect.sync(() => inbox.fail(Cause.fail(toError(error))))),
              ),
            ),
          ),
        )
        yield* Effect.addFinalizer(() =>
          Effect.gen(function* () {
            closing = true
            // Messages still buffered were never handed to the consumer, so nobody will settle them: abandon them now
            // instead of letting them wait out the grace period. Messages arriving from now on are abandoned as they
            // come.
            for (const message of inbox.close()) message.abandonQuietly()
            const current = streaming
            yield* stopReceiving(current)
            // Held messages get the grace period to be settled (and the settlements acknowledged) before the
            // receiver, whose link carries the settlements, is detached.
            yield* Effect.timeoutOption(held.idle, settings.closeGrace)
            // Messages whose lock the consumer renews are held on purpose (through a sink outage): they are waited for
            // until settled, or until their lock lapses (the sweep frees them); handing them back would spend a delivery.
            held.abandonAll({ exceptKept: true })
            yield* held.idle
            yield* closeQuietly(current.receiver)
          }),
        )

        if (settings.watchdog !== undefined) {
          const restart = Effect.gen(function* () {
            const stuck = streaming
            yield* stopReceiving(stuck)
            yield* closeQuietly(stuck.receiver)
            if (!closing) streaming = start()
          })
          yield* Effect.forkScoped(
            watchReceiver(settings.watchdog, {
              entityPath,
              activity: Effect.sync(() => ({ lastActivityAt, inFlight: held.size })),
              peek: peek.pipe(Effect.orElseSucceed(Arr.empty)),
              restart,
            }).pipe(withEventBusLogger),
          )
        }
        return inbox.pull
      }).pipe(Scope.provide(scope)),
    ),
  )
