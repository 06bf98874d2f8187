import { type BodyType, EventSubscription, type ReceivedMessage, type SettlementError } from "@haymaker/domain"
import { Config, DateTime, Effect, Layer } from "effect"
import Long from "long"
import { bigintOfLong } from "./MessageEncoding.ts"
import { renderMessageId } from "./MessageId.ts"
import { toSettlementError, toSubscriptionError } from "./PortErrors.ts"
import { defaultWatchdog, type WatchdogSettings } from "./ReceiverWatchdog.ts"
import {
  acquireClient,
  connectionConfig,
  hostOf,
  type ServiceBusConfigInvalid,
  type ServiceBusConnection,
  type ServiceBusRetry,
} from "./ServiceBusConnection.ts"
import { fromSdkError } from "./ServiceBusErrors.ts"
import { type Delivery, deferredReceiver, type Outcome, receiveAs } from "./SubscriptionReceiver.ts"

export interface SubscriptionConfig {
  readonly connection: ServiceBusConnection
  readonly topicName: string
  readonly subscriptionName: string
  /** Messages held (received, not yet settled) at most. Default 16. */
  readonly concurrency?: number
  /** How long the SDK keeps renewing the lock of a held message; `0` turns renewal off. Default 5 minutes. */
  readonly maxAutoLockRenewalMs?: number
  /** Receiver watchdog; `false` turns it off. Default: recreate after 60 s without deliveries while messages wait. */
  readonly watchdog?: WatchdogSettings | false
  /** On close, how long held messages may take to be settled before they are abandoned. Default 30 s. */
  readonly closeGraceMs?: number
  readonly retry?: ServiceBusRetry
}

/**
 * The port's view of a delivery. Fields the consumer may never read (enqueued time, sequence number, the settle
 * effects) are computed on access: building them eagerly cost more than receiving the message.
 */
class SubscriptionMessage implements ReceivedMessage {
  readonly #delivery: Delivery
  readonly messageId: string
  readonly body: unknown
  readonly deliveryCount: number

  constructor(delivery: Delivery) {
    const message = delivery.message
    this.#delivery = delivery
    this.messageId = renderMessageId(message.messageId)
    this.body = delivery.body
    this.deliveryCount = message.deliveryCount ?? 0
  }

  get bodyType(): BodyType | undefined {
    return this.#delivery.message._rawAmqpMessage?.bodyType
  }

  get enqueuedTime(): DateTime.Utc {
    return DateTime.fromDateUnsafe(this.#delivery.message.enqueuedTimeUtc ?? new Date())
  }

  get sequenceNumber(): bigint {
    const sequenceNumber = this.#delivery.message.sequenceNumber
    return sequenceNumber === undefined ? 0n : bigintOfLong(sequenceNumber)
  }

  #settle(outcome: Outcome, reason?: string, description?: string): Effect.Effect<void, SettlementError> {
    return Effect.callback((resume) => {
      this.#delivery.settle(
        outcome,
        (failure) =>
          resume(failure === undefined ? Effect.void : Effect.fail(toSettlementError(failure, this.messageId))),
        reason,
        description,
      )
    })
  }

  get complete(): Effect.Effect<void, SettlementError> {
    return this.#settle("completed")
  }

  get abandon(): Effect.Effect<void, SettlementError> {
    return this.#settle("abandoned")
  }

  deadLetter(reason: string, description: string): Effect.Effect<void, SettlementError> {
    return this.#settle("dead-lettered", reason, description)
  }

  get defer(): Effect.Effect<void, SettlementError> {
    return this.#settle("deferred")
  }
}

const toReceivedMessage = (delivery: Delivery): ReceivedMessage => new SubscriptionMessage(delivery)

/**
 * `EventSubscription` over a topic subscription in peek-lock mode: auto-complete off, `concurrency` messages held
 * at most (the broker sends more only as they are settled), locks renewed while held, a watchdog that recreates a
 * receiver that stopped delivering while messages wait. Each run of `messages` opens its own receiver on the
 * layer's connection; ending the run stops receiving and gives held messages `closeGraceMs` to be settled.
 */
export const layer = (config: SubscriptionConfig): Layer.Layer<EventSubscription, ServiceBusConfigInvalid> =>
  Layer.effect(
    EventSubscription,
    Effect.gen(function* () {
      const client = yield* acquireClient(config.connection, config.retry)
      const host = hostOf(config.connection)
      const receiveDeferredDeliveries = yield* deferredReceiver(client, config, host)
      const entityPath = `${config.topicName}/Subscriptions/${config.subscriptionName}`
      // A peek through a receiver of its own, closed right after: the namespace, the credential and the entity.
      const check = Effect.acquireUseRelease(
        Effect.sync(() => client.createReceiver(config.topicName, config.subscriptionName)),
        (receiver) =>
          Effect.tryPromise({
            try: () => receiver.peekMessages(1, { fromSequenceNumber: Long.ZERO }),
            catch: (cause) => toSubscriptionError(fromSdkError(cause, { host, entityPath, operation: "receive from" })),
          }),
        (receiver) => Effect.promise(() => receiver.close().catch(() => undefined)),
      ).pipe(Effect.asVoid, Effect.withSpan("EventSubscription.check"))
      const messages = receiveAs(
        client,
        {
          topicName: config.topicName,
          subscriptionName: config.subscriptionName,
          concurrency: Math.max(1, Math.floor(config.concurrency ?? 16)),
          maxAutoLockRenewalMs: config.maxAutoLockRenewalMs ?? 5 * 60_000,
          watchdog: config.watchdog === false ? undefined : (config.watchdog ?? defaultWatchdog),
          closeGraceMs: config.closeGraceMs ?? 30_000,
        },
        host,
        toReceivedMessage,
        toSubscriptionError,
      )
      const receiveDeferred = (sequenceNumbers: ReadonlyArray<bigint>) =>
        receiveDeferredDeliveries(sequenceNumbers).pipe(
          Effect.map((deliveries) => deliveries.map(toReceivedMessage)),
          Effect.mapError(toSubscriptionError),
        )
      return EventSubscription.of({ messages, receiveDeferred, check })
    }),
  )

/**
 * The subscription configured from the environment: the connection (`HAYMAKER_SERVICEBUS_CONNECTION_STRING`, or
 * `HAYMAKER_SERVICEBUS_NAMESPACE`), `HAYMAKER_SERVICEBUS_TOPIC` (default `agent-logs`), `HAYMAKER_SERVICEBUS_SUBSCRIPTION`
 * (default `orchestrator-sub`) and `HAYMAKER_SERVICEBUS_CONCURRENCY` (default 16).
 */
export const layerConfig: Layer.Layer<EventSubscription, Config.ConfigError | ServiceBusConfigInvalid> = Layer.unwrap(
  Effect.gen(function* () {
    const connection = yield* connectionConfig
    const topicName = yield* Config.String("HAYMAKER_SERVICEBUS_TOPIC").pipe(Config.withDefault("agent-logs"))
    const subscriptionName = yield* Config.String("HAYMAKER_SERVICEBUS_SUBSCRIPTION").pipe(
      Config.withDefault("orchestrator-sub"),
    )
    const concurrency = yield* Config.Int("HAYMAKER_SERVICEBUS_CONCURRENCY").pipe(Config.withDefault(16))
    return layer({ connection, topicName, subscriptionName, concurrency })
  }),
)
