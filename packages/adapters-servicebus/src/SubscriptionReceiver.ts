import type {
  ProcessErrorArgs,
  ServiceBusClient,
  ServiceBusReceivedMessage,
  ServiceBusReceiver,
} from "@azure/service-bus"
import { Cause, Context, Effect, LogLevel, Queue, References, type Scope, Stream } from "effect"
import Long from "long"
import { withEventBusLogger } from "./Logging.ts"
import { isStuck, type WatchdogSettings } from "./ReceiverWatchdog.ts"
import {
  type FailureContext,
  fromSdkError,
  type ServiceBusAdapterError,
  ServiceBusOperationFailed,
} from "./ServiceBusErrors.ts"

export interface ReceiverSettings {
  readonly topicName: string
  readonly subscriptionName: string
  /** Messages held (delivered and not yet settled) at most; the broker sends more only as these are settled. */
  readonly concurrency: number
  /** How long the SDK keeps renewing the lock of an unsettled message; `0` turns renewal off. */
  readonly maxAutoLockRenewalMs: number
  /** Recreates the receiver when it stops delivering while messages wait; `undefined` turns it off. */
  readonly watchdog: WatchdogSettings | undefined
  /** On close, how long in-flight messages may take to be settled before they are abandoned. */
  readonly closeGraceMs: number
}

export type Outcome = "completed" | "abandoned" | "dead-lettered"

/** A message held under a peek lock, with the operations that settle it exactly once. */
export interface Delivery {
  readonly message: ServiceBusReceivedMessage
  /** The raw body: the bytes of a data section, or the value of an AMQP value/sequence section. */
  readonly body: unknown
  readonly complete: Effect.Effect<void, ServiceBusAdapterError>
  readonly abandon: Effect.Effect<void, ServiceBusAdapterError>
  readonly deadLetter: (reason: string, description: string) => Effect.Effect<void, ServiceBusAdapterError>
}

interface Held {
  readonly receiver: ServiceBusReceiver
  readonly message: ServiceBusReceivedMessage
  settled: boolean
  readonly release: () => void
}

interface Active {
  readonly receiver: ServiceBusReceiver
  readonly subscription: { close(): Promise<void> }
}

const fatalCodes = new Set(["ServiceBusUnauthorized", "ServiceBusEntityNotFound", "ServiceBusConnectionRefused"])

const eventTypeOf = (message: ServiceBusReceivedMessage): string => {
  const fromProperties = message.applicationProperties?.event_type
  if (typeof fromProperties === "string") return fromProperties
  return message.subject ?? "unknown"
}

/**
 * Streams the messages of a topic subscription in peek-lock mode. The SDK's streaming receiver runs with
 * auto-complete off and `concurrency` concurrent calls; each call returns only when its message is settled, so the
 * broker's credit (and therefore how many messages are locked at once) follows how fast the consumer settles:
 * backpressure all the way to the broker. The SDK renews locks while a message is held.
 */
export const receiveDeliveries = (
  client: ServiceBusClient,
  settings: ReceiverSettings,
  host: string,
): Stream.Stream<Delivery, ServiceBusAdapterError> =>
  Stream.callback<Delivery, ServiceBusAdapterError>(
    (queue) =>
      Effect.gen(function* () {
        const services = (yield* Effect.context<never>()) as Context.Context<never>
        const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runForkWith(services)(withEventBusLogger(effect))
        // Forking a fiber per message only to drop a debug line would cost more than receiving it.
        const debugEnabled = LogLevel.isGreaterThanOrEqualTo("Debug", Context.get(services, References.MinimumLogLevel))
        const entityPath = `${settings.topicName}/Subscriptions/${settings.subscriptionName}`
        const context = (operation: string): FailureContext => ({ host, entityPath, operation })
        const held = new Set<Held>()
        let closing = false
        let lastActivityAt = Date.now()
        let active: Active | undefined

        const settle = (item: Held, outcome: Outcome, action: () => Promise<void>, operation: string) =>
          Effect.suspend(() => {
            if (item.settled) {
              return Effect.fail(
                new ServiceBusOperationFailed({
                  code: "MessageAlreadySettled",
                  entityPath,
                  operation,
                  retryable: false,
                  message: `Message ${String(item.message.messageId)} from ${entityPath} was already settled; settle each message exactly once`,
                }),
              )
            }
            item.settled = true
            const settled = Effect.tryPromise({
              try: action,
              catch: (cause) => fromSdkError(cause, context(operation)),
            }).pipe(Effect.ensuring(Effect.sync(item.release)))
            if (!debugEnabled) return settled
            return settled.pipe(
              Effect.tap(() =>
                Effect.logDebug(
                  `Message ${String(item.message.messageId)} (${eventTypeOf(item.message)}) ${outcome}`,
                ).pipe(withEventBusLogger),
              ),
            )
          })

        const heldOf = new WeakMap<Delivery, Held>()
        const toDelivery = (item: Held): Delivery => {
          const delivery: Delivery = {
            message: item.message,
            body: item.message.body,
            complete: settle(item, "completed", () => item.receiver.completeMessage(item.message), "complete"),
            abandon: settle(item, "abandoned", () => item.receiver.abandonMessage(item.message), "abandon"),
            deadLetter: (reason, description) =>
              settle(
                item,
                "dead-lettered",
                () =>
                  item.receiver.deadLetterMessage(item.message, {
                    deadLetterReason: reason,
                    deadLetterErrorDescription: description,
                  }),
                "dead-letter",
              ),
          }
          heldOf.set(delivery, item)
          return delivery
        }

        const abandonQuietly = (item: Held) => {
          if (item.settled) return
          item.settled = true
          item.receiver
            .abandonMessage(item.message)
            .catch(() => undefined)
            .finally(item.release)
        }

        // The SDK keeps its call pending (and the broker's credit used) until the message is settled, or until the
        // lock is certainly gone, so a message nobody settles cannot hold a slot forever.
        const hold = (receiver: ServiceBusReceiver, message: ServiceBusReceivedMessage): Promise<void> =>
          new Promise<void>((resolve) => {
            const receivedAt = Date.now()
            const lockMs = Math.max(0, (message.lockedUntilUtc?.getTime() ?? receivedAt) - receivedAt)
            const giveUpAfter = Math.max(settings.maxAutoLockRenewalMs, lockMs) + lockMs + 1_000
            const item: Held = {
              receiver,
              message,
              settled: false,
              release: () => {
                clearTimeout(timer)
                if (held.delete(item)) resolve()
              },
            }
            const timer = setTimeout(item.release, giveUpAfter)
            timer.unref()
            held.add(item)
            lastActivityAt = Date.now()
            if (debugEnabled) {
              run(Effect.logDebug(`Received message ${String(message.messageId)} (${eventTypeOf(message)})`))
            }
            if (closing || !Queue.offerUnsafe(queue, toDelivery(item))) abandonQuietly(item)
          })

        const onError = async (args: ProcessErrorArgs) => {
          if (closing) return
          const error = fromSdkError(args.error, context(args.errorSource))
          // Credentials and entity names do not heal by retrying; end the stream so the caller sees why.
          if (args.errorSource === "receive" && fatalCodes.has(error._tag)) {
            Queue.failCauseUnsafe(queue, Cause.fail(error))
            return
          }
          run(Effect.logDebug(`Receiver error (${args.errorSource}) on ${entityPath}: ${error.message}`))
        }

        const open = (): Active => {
          const receiver = client.createReceiver(settings.topicName, settings.subscriptionName, {
            receiveMode: "peekLock",
            maxAutoLockRenewalDurationInMs: settings.maxAutoLockRenewalMs,
            skipParsingBodyAsJson: true,
          })
          const subscription = receiver.subscribe(
            { processMessage: (message) => hold(receiver, message), processError: onError },
            { autoCompleteMessages: false, maxConcurrentCalls: settings.concurrency },
          )
          lastActivityAt = Date.now()
          return { receiver, subscription }
        }

        const shut = async (current: Active) => {
          await current.subscription.close().catch(() => undefined)
          await current.receiver.close().catch(() => undefined)
        }

        // A peek validates the namespace, the credential and the entity up front, with a typed error, instead of the
        // SDK's streaming receiver retrying forever in the background.
        const probe = yield* Effect.acquireRelease(
          Effect.sync(() => client.createReceiver(settings.topicName, settings.subscriptionName)),
          (receiver) => Effect.promise(() => receiver.close().catch(() => undefined)),
        )
        const peek = Effect.tryPromise({
          try: () => probe.peekMessages(1, { fromSequenceNumber: Long.ZERO }),
          catch: (cause) => fromSdkError(cause, context("receive from")),
        })
        yield* peek

        yield* Effect.acquireRelease(
          Effect.sync(() => {
            active = open()
          }),
          () =>
            Effect.gen(function* () {
              closing = true
              const current = active
              if (current !== undefined)
                yield* Effect.promise(() => current.subscription.close().catch(() => undefined))
              // Deliveries still buffered were never handed to the consumer, so nobody will settle them: release them
              // now instead of letting them wait out the grace period.
              const unclaimed = yield* Queue.clear(queue).pipe(Effect.orElseSucceed((): Array<Delivery> => []))
              for (const delivery of unclaimed) {
                const item = heldOf.get(delivery)
                if (item !== undefined) abandonQuietly(item)
              }
              yield* Effect.promise(async () => {
                const deadline = Date.now() + settings.closeGraceMs
                while (held.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
                for (const item of [...held]) abandonQuietly(item)
                if (current !== undefined) await current.receiver.close().catch(() => undefined)
              })
            }),
        )

        if (settings.watchdog !== undefined) {
          const watchdog = settings.watchdog
          const check = Effect.gen(function* () {
            if (closing || active === undefined) return
            const peeked = yield* peek.pipe(Effect.orElseSucceed(() => []))
            const activity = { now: Date.now(), lastActivityAt, inFlight: held.size }
            if (!isStuck(activity, peeked, watchdog)) return
            yield* Effect.logWarning(
              `Receiver on ${entityPath} delivered nothing for ${activity.now - lastActivityAt} ms while messages wait; recreating it`,
            )
            const stuck = active
            yield* Effect.promise(() => shut(stuck))
            if (!closing) active = open()
          })
          yield* Effect.forkScoped(
            check.pipe(
              Effect.delay(watchdog.checkIntervalMs),
              Effect.forever,
              withEventBusLogger,
            ) as Effect.Effect<never>,
          )
        }
      }) as Effect.Effect<void, ServiceBusAdapterError, Scope.Scope>,
    { bufferSize: settings.concurrency * 2 + 16 },
  )
