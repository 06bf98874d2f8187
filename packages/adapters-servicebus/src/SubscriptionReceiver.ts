import type {
  ProcessErrorArgs,
  ServiceBusClient,
  ServiceBusReceivedMessage,
  ServiceBusReceiver,
} from "@azure/service-bus"
import {
  Array as Arr,
  Cause,
  Channel,
  Context,
  Effect,
  identity,
  LogLevel,
  Queue,
  References,
  type Scope,
  Stream,
} from "effect"
import Long from "long"
import { withEventBusLogger } from "./Logging.ts"
import { isStuck, type WatchdogSettings } from "./ReceiverWatchdog.ts"
import {
  type FailureContext,
  fromSdkError,
  type ServiceBusAdapterError,
  ServiceBusOperationFailed,
} from "./ServiceBusErrors.ts"
import { type Outcome, SettlementGate } from "./SettlementGate.ts"

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

export type { Outcome } from "./SettlementGate.ts"

/** Called once a settlement is over: with nothing when the broker accepted it, with the typed failure otherwise. */
export type Settled = (failure: ServiceBusAdapterError | undefined) => void

/** A message held under a peek lock, with the operations that settle it exactly once. */
export interface Delivery {
  readonly message: ServiceBusReceivedMessage
  /** The raw body: the bytes of a data section, or the value of an AMQP value/sequence section. */
  readonly body: unknown
  /** Settles the message (callback style, for adapters that build their own effects); a second call fails. */
  readonly settle: (outcome: Outcome, done: Settled, reason?: string, description?: string) => void
  readonly complete: Effect.Effect<void, ServiceBusAdapterError>
  readonly abandon: Effect.Effect<void, ServiceBusAdapterError>
  readonly deadLetter: (reason: string, description: string) => Effect.Effect<void, ServiceBusAdapterError>
  readonly defer: Effect.Effect<void, ServiceBusAdapterError>
}

/** What the deliveries of one stream share: the open receivers' bookkeeping. */
interface ReceiverState {
  readonly entityPath: string
  readonly context: (operation: string) => FailureContext
  /**
   * Messages delivered and not yet settled (a settlement counts once the broker acknowledged it): each holds one of
   * the SDK's concurrent calls, so the broker's credit follows how fast the consumer settles.
   */
  readonly held: Set<HeldDelivery>
  /** Keeps settlements with different outcomes out of one turn (rhea's disposition ranges: SettlementGate.ts). */
  readonly gate: SettlementGate
  readonly logOutcome: ((delivery: HeldDelivery, outcome: Outcome) => void) | undefined
  readonly onIdle: () => void
}

const operationOf: Record<Outcome, string> = {
  completed: "complete",
  abandoned: "abandon",
  "dead-lettered": "dead-letter",
  deferred: "defer",
}

/** The SDK call for one settlement. */
const sendSettlement = (
  receiver: ServiceBusReceiver,
  message: ServiceBusReceivedMessage,
  outcome: Outcome,
  reason: string | undefined,
  description: string | undefined,
): Promise<void> => {
  switch (outcome) {
    case "completed":
      return receiver.completeMessage(message)
    case "abandoned":
      return receiver.abandonMessage(message)
    case "deferred":
      return receiver.deferMessage(message)
    case "dead-lettered":
      return receiver.deadLetterMessage(message, {
        deadLetterReason: reason ?? "",
        deadLetterErrorDescription: description ?? "",
      })
  }
}

/**
 * One delivered message. Its settle effects are built only when read (a consumer reads one of three), straight on
 * the SDK's promise: no fiber, no effect chain per message beyond the one the consumer runs.
 */
class HeldDelivery implements Delivery {
  readonly message: ServiceBusReceivedMessage
  readonly receiver: ServiceBusReceiver
  /** After this time (ms since epoch) the lock is certainly gone, so the slot is released even if nobody settles. */
  readonly giveUpAt: number
  readonly #state: ReceiverState
  readonly #release: () => void
  #settled = false

  constructor(
    state: ReceiverState,
    receiver: ServiceBusReceiver,
    message: ServiceBusReceivedMessage,
    giveUpAt: number,
    release: () => void,
  ) {
    this.#state = state
    this.receiver = receiver
    this.message = message
    this.giveUpAt = giveUpAt
    this.#release = release
  }

  get body(): unknown {
    return this.message.body
  }

  /** Frees the SDK call this message holds (once). */
  release(): void {
    if (this.#state.held.delete(this)) this.#release()
  }

  settle(outcome: Outcome, done: Settled, reason?: string, description?: string): void {
    const state = this.#state
    if (this.#settled) {
      done(
        new ServiceBusOperationFailed({
          code: "MessageAlreadySettled",
          entityPath: state.entityPath,
          operation: operationOf[outcome],
          retryable: false,
          message: `Message ${String(this.message.messageId)} from ${state.entityPath} was already settled; settle each message exactly once`,
        }),
      )
      return
    }
    this.#settled = true
    state.gate.submit(outcome, () => this.#send(outcome, done, reason, description))
  }

  #send(outcome: Outcome, done: Settled, reason?: string, description?: string): void {
    const state = this.#state
    let sent: Promise<void>
    try {
      sent = sendSettlement(this.receiver, this.message, outcome, reason, description)
    } catch (cause) {
      sent = Promise.reject(cause)
    }
    sent.then(
      () => {
        this.release()
        state.logOutcome?.(this, outcome)
        done(undefined)
        state.onIdle()
      },
      (cause: unknown) => {
        this.release()
        done(fromSdkError(cause, state.context(operationOf[outcome])))
        state.onIdle()
      },
    )
  }

  #effect(outcome: Outcome, reason?: string, description?: string): Effect.Effect<void, ServiceBusAdapterError> {
    return Effect.callback((resume) => {
      this.settle(
        outcome,
        (failure) => resume(failure === undefined ? Effect.void : Effect.fail(failure)),
        reason,
        description,
      )
    })
  }

  get complete(): Effect.Effect<void, ServiceBusAdapterError> {
    return this.#effect("completed")
  }

  get abandon(): Effect.Effect<void, ServiceBusAdapterError> {
    return this.#effect("abandoned")
  }

  deadLetter(reason: string, description: string): Effect.Effect<void, ServiceBusAdapterError> {
    return this.#effect("dead-lettered", reason, description)
  }

  get defer(): Effect.Effect<void, ServiceBusAdapterError> {
    return this.#effect("deferred")
  }

  /** Abandons a message nobody will settle (the stream ended), without reporting to anyone. */
  abandonQuietly(): void {
    if (this.#settled) {
      this.release()
      return
    }
    this.settle("abandoned", () => undefined)
  }
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
 * Receives deferred messages by sequence number on one receiver (its link opens on the first call), closed with the
 * scope; the messages it returns are settled through the management link, behind a gate of their own.
 */
export const deferredReceiver = (
  client: ServiceBusClient,
  settings: Pick<ReceiverSettings, "topicName" | "subscriptionName">,
  host: string,
): Effect.Effect<
  (sequenceNumbers: ReadonlyArray<bigint>) => Effect.Effect<ReadonlyArray<Delivery>, ServiceBusAdapterError>,
  never,
  Scope.Scope
> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() =>
        client.createReceiver(settings.topicName, settings.subscriptionName, {
          receiveMode: "peekLock",
          skipParsingBodyAsJson: true,
        }),
      ),
      (receiver) => Effect.promise(() => receiver.close().catch(() => undefined)),
    ),
    (receiver) => {
      const entityPath = `${settings.topicName}/Subscriptions/${settings.subscriptionName}`
      const state: ReceiverState = {
        entityPath,
        context: (operation) => ({ host, entityPath, operation }),
        held: new Set(),
        gate: new SettlementGate(),
        logOutcome: undefined,
        onIdle: () => undefined,
      }
      return (sequenceNumbers) =>
        Effect.tryPromise({
          try: () => receiver.receiveDeferredMessages(sequenceNumbers.map((n) => Long.fromString(n.toString()))),
          catch: (cause) => fromSdkError(cause, state.context("receive deferred messages from")),
        }).pipe(
          // Nothing holds an SDK call for these: there is no slot to release and no give-up time.
          Effect.map((messages) =>
            messages.map((message) => new HeldDelivery(state, receiver, message, Number.POSITIVE_INFINITY, () => {})),
          ),
        )
    },
  )

/** How often held messages are checked against their give-up time (a timer per message would cost more). */
const sweepIntervalMs = 1_000

/**
 * Streams the messages of a topic subscription in peek-lock mode. The SDK's streaming receiver runs with
 * auto-complete off and `concurrency` concurrent calls; each call returns when its message is settled, so the
 * broker's credit (and therefore how many messages are locked at once) follows how fast the consumer settles:
 * backpressure all the way to the broker. The SDK renews locks while a message is held.
 */
export const receiveDeliveries = (
  client: ServiceBusClient,
  settings: ReceiverSettings,
  host: string,
): Stream.Stream<Delivery, ServiceBusAdapterError> => receiveAs(client, settings, host, identity, identity)

/**
 * `receiveDeliveries`, with each delivery and failure already in the caller's terms (`view` runs as the message is
 * pulled, `toError` where the failure is raised), which saves the stream two mapping stages per pull.
 */
export const receiveAs = <A, E>(
  client: ServiceBusClient,
  settings: ReceiverSettings,
  host: string,
  view: (delivery: Delivery) => A,
  toError: (error: ServiceBusAdapterError) => E,
): Stream.Stream<A, E> =>
  // One message per pull, not the whole buffer: an operator that stops early (`take`) then leaves the messages it
  // did not want in the buffer, where closing finds and abandons them, instead of dropping them with the rest of a
  // chunk while they stay locked.
  Channel.callback<HeldDelivery, E>(
    (queue) =>
      Effect.gen(function* () {
        const services = (yield* Effect.context<never>()) as Context.Context<never>
        const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runForkWith(services)(withEventBusLogger(effect))
        // Forking a fiber per message only to drop a debug line would cost more than receiving it.
        const debugEnabled = LogLevel.isGreaterThanOrEqualTo("Debug", Context.get(services, References.MinimumLogLevel))
        const entityPath = `${settings.topicName}/Subscriptions/${settings.subscriptionName}`
        let closing = false
        let lastActivityAt = Date.now()
        let active: Active | undefined
        let whenIdle: (() => void) | undefined

        const state: ReceiverState = {
          entityPath,
          context: (operation) => ({ host, entityPath, operation }),
          held: new Set(),
          gate: new SettlementGate(),
          logOutcome: debugEnabled
            ? (delivery, outcome) =>
                run(
                  Effect.logDebug(
                    `Message ${String(delivery.message.messageId)} (${eventTypeOf(delivery.message)}) ${outcome}`,
                  ),
                )
            : undefined,
          onIdle: () => {
            if (whenIdle !== undefined && state.held.size === 0) whenIdle()
          },
        }

        // The SDK keeps its call pending (and the broker's credit used) until the message is settled, or until the
        // lock is certainly gone, so a message nobody settles cannot hold a slot forever.
        const hold = (receiver: ServiceBusReceiver, message: ServiceBusReceivedMessage): Promise<void> =>
          new Promise<void>((resolve) => {
            const receivedAt = Date.now()
            const lockMs = Math.max(0, (message.lockedUntilUtc?.getTime() ?? receivedAt) - receivedAt)
            const giveUpAt = receivedAt + Math.max(settings.maxAutoLockRenewalMs, lockMs) + lockMs + 1_000
            const delivery = new HeldDelivery(state, receiver, message, giveUpAt, resolve)
            state.held.add(delivery)
            lastActivityAt = receivedAt
            if (debugEnabled) {
              run(Effect.logDebug(`Received message ${String(message.messageId)} (${eventTypeOf(message)})`))
            }
            if (closing || !Queue.offerUnsafe(queue, delivery)) delivery.abandonQuietly()
          })

        const onError = async (args: ProcessErrorArgs) => {
          if (closing) return
          const error = fromSdkError(args.error, state.context(args.errorSource))
          // Credentials and entity names do not heal by retrying; end the stream so the caller sees why.
          if (args.errorSource === "receive" && fatalCodes.has(error._tag)) {
            Queue.failCauseUnsafe(queue, Cause.fail(toError(error)))
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
        // SDK's streaming receiver retrying forever in the background. It runs before the receiver starts: started
        // together, a failing receiver's retries hold up the peek (the SDK authorizes one link at a time per
        // connection).
        const probe = yield* Effect.acquireRelease(
          Effect.sync(() => client.createReceiver(settings.topicName, settings.subscriptionName)),
          (receiver) => Effect.promise(() => receiver.close().catch(() => undefined)),
        )
        const peek = Effect.tryPromise({
          try: () => probe.peekMessages(1, { fromSequenceNumber: Long.ZERO }),
          catch: (cause) => fromSdkError(cause, state.context("receive from")),
        })
        yield* Effect.mapError(peek, toError)

        yield* Effect.acquireRelease(
          Effect.sync(() => {
            active = open()
            const sweep = setInterval(() => {
              const now = Date.now()
              for (const delivery of state.held) if (delivery.giveUpAt <= now) delivery.release()
            }, sweepIntervalMs)
            sweep.unref()
            return sweep
          }),
          (sweep) =>
            Effect.promise(async () => {
              closing = true
              const current = active
              // Deliveries still buffered were never handed to the consumer, so nobody will settle them: abandon them
              // now instead of letting them wait out the grace period. Deliveries arriving from now on are abandoned
              // by `hold`.
              const unclaimed = Effect.runSync(Queue.clear(queue).pipe(Effect.orElseSucceed(() => [])))
              for (const delivery of unclaimed) delivery.abandonQuietly()
              if (current !== undefined) await current.subscription.close().catch(() => undefined)
              // Held messages get the grace period to be settled (and the settlements acknowledged) before the
              // receiver, whose link carries the settlements, is detached.
              await new Promise<void>((resolve) => {
                const timer = setTimeout(resolve, settings.closeGraceMs)
                whenIdle = () => {
                  clearTimeout(timer)
                  resolve()
                }
                state.onIdle()
              })
              whenIdle = undefined
              clearInterval(sweep)
              for (const delivery of [...state.held]) delivery.abandonQuietly()
              if (current !== undefined) await current.receiver.close().catch(() => undefined)
            }),
        )

        if (settings.watchdog !== undefined) {
          const watchdog = settings.watchdog
          const check = Effect.gen(function* () {
            if (closing || active === undefined) return
            const peeked = yield* peek.pipe(Effect.orElseSucceed(() => []))
            const activity = { now: Date.now(), lastActivityAt, inFlight: state.held.size }
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
      }) as Effect.Effect<void, E, Scope.Scope>,
    { bufferSize: settings.concurrency * 2 + 16 },
  ).pipe(
    Channel.map((delivery) => Arr.of(view(delivery))),
    Stream.fromChannel,
  )
