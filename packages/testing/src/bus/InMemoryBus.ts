import {
  type AgentEvent,
  DeadLetterQueue,
  EventPublisher,
  EventSubscription,
  encodeAgentEvent,
  PublishError,
  type PublishErrorReason,
  type ReceivedMessage,
  Settlement,
  SettlementError,
  SubscriptionError,
  type SubscriptionErrorReason,
} from "@haymaker/domain"
import { Context, DateTime, Duration, Effect, Layer, Stream } from "effect"
import { type BodyForm, toMessageBody } from "../fixtures/messageBody.ts"
import {
  type DeadLetteredMessage,
  type Delivery,
  type EnqueuedMessage,
  PeekLockQueue,
  type SettleRefusal,
} from "./PeekLockQueue.ts"

export interface InMemoryBusOptions {
  /**
   * Deliveries after which a released message is dead-lettered with reason `MaxDeliveryCountExceeded`. Default 10,
   * Azure's default; `Number.POSITIVE_INFINITY` never dead-letters on its own.
   */
  readonly maxDeliveryCount?: number
  /** The body form of published events. Default `bytes` (UTF-8 JSON, what the Service Bus adapter delivers). */
  readonly bodyForm?: BodyForm
  /**
   * When a run of `messages` ends, how long the deliveries it emitted but nobody settled yet may still be settled
   * before they are released, as the Service Bus adapter gives them while closing its receiver. Default 0: released
   * at once.
   */
  readonly closeGrace?: Duration.Input
  /**
   * The lock duration `renewLock` answers with (locks here end only by settlement, `expireLocks` or a closing run).
   * Default 1 minute, Azure's default.
   */
  readonly lockDuration?: Duration.Input
  /** The message id of a published event. Default: a random UUID. */
  readonly messageId?: (event: AgentEvent, sequenceNumber: bigint) => string
}

export interface SendOptions {
  /** Default: a random UUID. */
  readonly messageId?: string
}

/** A count of something in progress (runs closing, receivers waiting), and a wait until there is one. */
const gauge = () => {
  let count = 0
  const watchers = new Set<() => void>()
  return {
    enter: (): void => {
      count++
      for (const watcher of [...watchers]) watcher()
    },
    leave: (): void => {
      count--
    },
    awaitAny: Effect.callback<void>((resume) => {
      if (count > 0) return resume(Effect.void)
      const watcher = () => {
        watchers.delete(watcher)
        resume(Effect.void)
      }
      watchers.add(watcher)
      return Effect.sync(() => {
        watchers.delete(watcher)
      })
    }),
  }
}

/** Inspection and control of the in-memory bus, for assertions and fault injection. */
export class InMemoryBus extends Context.Service<
  InMemoryBus,
  {
    /** Enqueues a message with any body, as another producer might send it (invalid JSON text, bytes, an array, …). */
    readonly send: (body: unknown, options?: SendOptions) => Effect.Effect<EnqueuedMessage>
    /** Every message accepted so far, in sequence order. */
    readonly published: Effect.Effect<ReadonlyArray<EnqueuedMessage>>
    /** Completed messages, in completion order. */
    readonly completed: Effect.Effect<ReadonlyArray<EnqueuedMessage>>
    /** The dead-letter queue, in dead-lettering order. */
    readonly deadLetters: Effect.Effect<ReadonlyArray<DeadLetteredMessage>>
    /** Messages neither completed nor dead-lettered (waiting, locked or deferred). */
    readonly active: Effect.Effect<number>
    /** Messages locked by an unsettled delivery. */
    readonly locked: Effect.Effect<number>
    /** Waits until every message accepted so far is completed or dead-lettered. */
    readonly awaitSettled: Effect.Effect<void>
    /**
     * Waits until a run of `messages` has ended and is closing: waiting out `closeGrace` for its held deliveries to be
     * settled (at once when one is).
     */
    readonly awaitClosingRun: Effect.Effect<void>
    /** Waits until a run of `messages` waits for a message (none was available to it). */
    readonly awaitWaitingReceiver: Effect.Effect<void>
    /** Expires every lock as if the lock duration passed; returns how many. Late settlements fail with `LockLost`. */
    readonly expireLocks: Effect.Effect<number>
    /** The next `count` calls of `publish` / `publishAll` fail with `reason` and publish nothing. */
    readonly failNextPublishes: (count: number, reason: PublishErrorReason) => Effect.Effect<void>
    /** From now on receiving fails with `reason` (running streams end with it) until {@link restoreSubscription}. */
    readonly failSubscription: (reason: SubscriptionErrorReason) => Effect.Effect<void>
    readonly restoreSubscription: Effect.Effect<void>
  }
>()("@haymaker/testing/InMemoryBus") {
  /**
   * The services of one in-memory topic with one peek-lock subscription: an `EventPublisher` whose events become
   * receivable on the `EventSubscription` of the same layer, the subscription's `DeadLetterQueue`, and the
   * `InMemoryBus` handle to inspect it.
   *
   * Each run of `messages` is a receiver: it waits for messages, locks each one it emits, and when it ends the
   * deliveries it emitted but nobody settled are released (delivered again, counted as a failed attempt), as when a
   * receiver link closes. Several runs at once compete for messages.
   */
  static readonly layer = (
    options: InMemoryBusOptions = {},
  ): Layer.Layer<EventPublisher | EventSubscription | DeadLetterQueue | InMemoryBus> => makeLayer(options)
}

const bodyOf = (event: AgentEvent, form: BodyForm): unknown => toMessageBody(encodeAgentEvent(event), form)

const refusalMessage = (refusal: SettleRefusal, action: string, messageId: string): string =>
  refusal === "AlreadySettled"
    ? `Cannot ${action} message ${messageId}: it was already completed, abandoned or dead-lettered.`
    : `Cannot ${action} message ${messageId}: its lock expired, so the bus will deliver it again.`

const applySettlement = (queue: PeekLockQueue, delivery: Delivery, settlement: Settlement) =>
  Settlement.$match(settlement, {
    Complete: () => queue.complete(delivery),
    Abandon: () => queue.abandon(delivery),
    DeadLetter: ({ reason, description }) => queue.deadLetter(delivery, reason, description),
    Defer: () => queue.defer(delivery),
  })

const actionOf: Record<Settlement["_tag"], string> = {
  Complete: "complete",
  Abandon: "abandon",
  DeadLetter: "dead-letter",
  Defer: "defer",
}

const toReceivedMessage = (
  queue: PeekLockQueue,
  delivery: Delivery,
  held: Set<Delivery>,
  lockDuration: Duration.Duration,
): ReceivedMessage => {
  const settle = (settlement: Settlement): Effect.Effect<void, SettlementError> =>
    Effect.suspend(() => {
      // Out of `held` before the settlement notifies: a listener may run a closing receiver at once, which must not
      // find this delivery still held (nothing would tell it again). A refused settlement leaves nothing to release.
      held.delete(delivery)
      const refusal = applySettlement(queue, delivery, settlement)
      if (refusal === undefined) return Effect.void
      const messageId = delivery.message.messageId
      const message = refusalMessage(refusal, actionOf[settlement._tag], messageId)
      return Effect.fail(new SettlementError({ reason: refusal, messageId, message }))
    })
  return {
    messageId: delivery.message.messageId,
    body: delivery.message.body,
    deliveryCount: delivery.deliveryCount,
    enqueuedTime: delivery.message.enqueuedTime,
    sequenceNumber: delivery.message.sequenceNumber,
    settle,
    complete: settle(Settlement.complete),
    abandon: settle(Settlement.abandon),
    deadLetter: (reason, description) => settle(Settlement.deadLetter(reason, description)),
    defer: settle(Settlement.defer),
    renewLock: Effect.suspend(() => {
      const messageId = delivery.message.messageId
      if (!queue.holdsLock(delivery)) {
        const reason = delivery.settled ? "AlreadySettled" : "LockLost"
        return Effect.fail(
          new SettlementError({ reason, messageId, message: refusalMessage(reason, "renew the lock of", messageId) }),
        )
      }
      delivery.kept = true
      return Effect.map(DateTime.now, (now) => DateTime.addDuration(now, lockDuration))
    }),
  }
}

const makeLayer = (
  options: InMemoryBusOptions,
): Layer.Layer<EventPublisher | EventSubscription | DeadLetterQueue | InMemoryBus> =>
  Layer.effectContext(
    Effect.sync(() => {
      const queue = new PeekLockQueue(options.maxDeliveryCount ?? 10)
      const bodyForm = options.bodyForm ?? "bytes"
      const eventMessageId = options.messageId
      let failingPublishes: { remaining: number; reason: PublishErrorReason } | undefined
      let subscriptionFault: SubscriptionError | undefined

      const publishFault = (): PublishError | undefined => {
        if (failingPublishes === undefined || failingPublishes.remaining <= 0) return undefined
        failingPublishes.remaining--
        const reason = failingPublishes.reason
        return new PublishError({ reason, message: `In-memory bus: publishing failed as arranged (${reason}).` })
      }

      const publishAll = (events: ReadonlyArray<AgentEvent>): Effect.Effect<void, PublishError> =>
        Effect.gen(function* () {
          const fault = publishFault()
          if (fault !== undefined) return yield* fault
          const now = yield* DateTime.now
          for (const event of events) {
            queue.enqueue(
              (sequenceNumber) => eventMessageId?.(event, sequenceNumber) ?? crypto.randomUUID(),
              bodyOf(event, bodyForm),
              now,
            )
          }
        })

      // Like the Service Bus adapter closing its receiver: the deliveries still held get `grace` to be settled.
      const closeGrace = Duration.fromInputUnsafe(options.closeGrace ?? Duration.zero)
      const lockDuration = Duration.fromInputUnsafe(options.lockDuration ?? Duration.minutes(1))
      const waitUntilSettled = (held: Set<Delivery>): Effect.Effect<void> =>
        Duration.isZero(closeGrace)
          ? Effect.void
          : Effect.callback<void>((resume) => {
              if (held.size === 0) return resume(Effect.void)
              const unsubscribe = queue.subscribe(() => {
                if (held.size > 0) return
                unsubscribe()
                resume(Effect.void)
              })
              return Effect.sync(unsubscribe)
            }).pipe(Effect.timeoutOption(closeGrace), Effect.asVoid)

      const keepsAny = (held: Set<Delivery>): boolean => {
        for (const delivery of held) if (queue.holdsLock(delivery)) return true
        return false
      }
      const waitUntilKeptSettled = (held: Set<Delivery>): Effect.Effect<void> =>
        Effect.callback<void>((resume) => {
          if (!keepsAny(held)) return resume(Effect.void)
          const unsubscribe = queue.subscribe(() => {
            if (keepsAny(held)) return
            unsubscribe()
            resume(Effect.void)
          })
          return Effect.sync(unsubscribe)
        })

      // One pull: a message as soon as one is available, the arranged fault, or a wait for the next change.
      const waitingPulls = gauge()
      const pull = (held: Set<Delivery>): Effect.Effect<ReceivedMessage, SubscriptionError> =>
        Effect.callback<ReceivedMessage, SubscriptionError>((resume) => {
          const attempt = (): boolean => {
            if (subscriptionFault !== undefined) {
              resume(Effect.fail(subscriptionFault))
              return true
            }
            const delivery = queue.take()
            if (delivery === undefined) return false
            held.add(delivery)
            resume(Effect.succeed(toReceivedMessage(queue, delivery, held, lockDuration)))
            return true
          }
          if (attempt()) return
          let waiting = true
          const stop = () => {
            if (!waiting) return
            waiting = false
            unsubscribe()
            waitingPulls.leave()
          }
          const unsubscribe = queue.subscribe(() => {
            if (attempt()) stop()
          })
          // Announced once subscribed: whoever it wakes may send at once.
          waitingPulls.enter()
          return Effect.sync(stop)
        })

      // Runs that ended and wait out their grace.
      const closingRuns = gauge()
      const closing = <A>(effect: Effect.Effect<A>): Effect.Effect<A> =>
        Effect.acquireUseRelease(
          Effect.sync(closingRuns.enter),
          () => effect,
          () => Effect.sync(closingRuns.leave),
        )

      const messages: Stream.Stream<ReceivedMessage, SubscriptionError> = Stream.unwrap(
        Effect.map(
          Effect.acquireRelease(
            Effect.sync(() => new Set<Delivery>()),
            (held) =>
              closing(
                waitUntilSettled(held).pipe(
                  // Deliveries whose lock the consumer renewed are held on purpose: waited for until settled or their
                  // lock ends (`expireLocks`), as the Service Bus adapter does.
                  Effect.andThen(
                    Effect.sync(() => {
                      for (const delivery of held) if (!delivery.kept) queue.releaseUnsettled(delivery)
                    }),
                  ),
                  Effect.andThen(waitUntilKeptSettled(held)),
                ),
              ),
          ),
          (held) => Stream.fromEffectRepeat(pull(held)),
        ),
      )

      // Deferred messages received by sequence number belong to no run of `messages`: nothing releases them early.
      const heldDeferred = new Set<Delivery>()
      const receiveDeferred = (
        sequenceNumbers: ReadonlyArray<bigint>,
      ): Effect.Effect<ReadonlyArray<ReceivedMessage>, SubscriptionError> =>
        Effect.suspend(() => {
          if (subscriptionFault !== undefined) return Effect.fail(subscriptionFault)
          const taken = queue.takeDeferred(sequenceNumbers)
          if ("sequenceNumber" in taken) {
            return Effect.fail(
              new SubscriptionError({
                reason: "MessageNotFound",
                message: `In-memory bus: no deferred message with sequence number ${taken.sequenceNumber}.`,
              }),
            )
          }
          return Effect.succeed(
            taken.map((delivery) => {
              heldDeferred.add(delivery)
              return toReceivedMessage(queue, delivery, heldDeferred, lockDuration)
            }),
          )
        })

      const awaitSettled = Effect.callback<void>((resume) => {
        if (queue.active === 0) return resume(Effect.void)
        const unsubscribe = queue.subscribe(() => {
          if (queue.active !== 0) return
          unsubscribe()
          resume(Effect.void)
        })
        return Effect.sync(unsubscribe)
      })

      const bus = InMemoryBus.of({
        send: (body, sendOptions = {}) =>
          Effect.map(DateTime.now, (now) =>
            queue.enqueue(() => sendOptions.messageId ?? crypto.randomUUID(), body, now),
          ),
        published: Effect.sync(() => queue.published),
        completed: Effect.sync(() => queue.completed),
        deadLetters: Effect.sync(() => queue.deadLetters),
        active: Effect.sync(() => queue.active),
        locked: Effect.sync(() => queue.locked),
        awaitSettled,
        awaitClosingRun: closingRuns.awaitAny,
        awaitWaitingReceiver: waitingPulls.awaitAny,
        expireLocks: Effect.sync(() => queue.expireLocks()),
        failNextPublishes: (count, reason) =>
          Effect.sync(() => {
            failingPublishes = { remaining: count, reason }
          }),
        failSubscription: (reason) =>
          Effect.sync(() => {
            subscriptionFault = new SubscriptionError({
              reason,
              message: `In-memory bus: receiving failed as arranged (${reason}).`,
            })
            // Wakes the waiting receivers so they fail now rather than at the next message.
            queue.wake()
          }),
        restoreSubscription: Effect.sync(() => {
          subscriptionFault = undefined
        }),
      })

      return Context.make(
        EventPublisher,
        EventPublisher.of({ publish: (event) => publishAll([event]), publishAll }),
      ).pipe(
        Context.add(
          EventSubscription,
          EventSubscription.of({
            messages,
            receiveDeferred,
            check: Effect.suspend(() =>
              subscriptionFault === undefined ? Effect.void : Effect.fail(subscriptionFault),
            ),
          }),
        ),
        Context.add(
          DeadLetterQueue,
          DeadLetterQueue.of({
            description: "the in-memory subscription's dead-letter queue",
            peek: (max) =>
              Effect.sync(() =>
                queue.deadLetters.slice(0, Math.max(0, max)).map((message) => ({
                  messageId: message.messageId,
                  sequenceNumber: message.sequenceNumber,
                  body: message.body,
                  reason: message.reason,
                  description: message.description,
                  deliveryCount: message.deliveryCount,
                  enqueuedTime: message.enqueuedTime,
                })),
              ),
            resubmit: (max) => Effect.map(DateTime.now, (now) => queue.resubmitDeadLetters(max, now)),
            purge: (max) => Effect.sync(() => queue.purgeDeadLetters(max)),
          }),
        ),
        Context.add(InMemoryBus, bus),
      )
    }),
  )
