import { EventSubscription, layerFromConfig } from "@haymaker/domain"
import { Config, Duration, Effect, Layer, type Scope } from "effect"
import { makeDeferredReceiver } from "./DeferredReceiver.ts"
import { receiveMessages } from "./MessageReceiver.ts"
import { toSubscriptionError } from "./PortErrors.ts"
import { defaultWatchdog, type WatchdogSettings } from "./ReceiverWatchdog.ts"
import { peekFirst, scopedReceiver } from "./SdkReceivers.ts"
import {
  openSubscription,
  type ServiceBusConfigInvalid,
  type SubscriptionTarget,
  subscriptionEnvConfig,
  subscriptionPath,
} from "./ServiceBusConnection.ts"

export interface SubscriptionOptions extends SubscriptionTarget {
  /** Messages held (received, not yet settled) at most. Default 16. */
  readonly concurrency?: number
  /** How long the lock of a held message is kept renewed; zero turns renewal off. Default 5 minutes. */
  readonly maxAutoLockRenewal?: Duration.Input
  /** Receiver watchdog; `false` turns it off. Default: recreate after 1 minute without deliveries while messages wait. */
  readonly watchdog?: WatchdogSettings | false
  /** On close, how long held messages may take to be settled before they are abandoned. Default 30 seconds. */
  readonly closeGrace?: Duration.Input
}

export const defaultConcurrency = 16

/**
 * `EventSubscription` over a topic subscription in peek-lock mode: auto-complete off, `concurrency` messages held
 * at most (the broker sends more only as they are settled), locks renewed while held, a watchdog that recreates a
 * receiver that stopped delivering while messages wait. Each run of `messages` opens its own receiver on the
 * connection; ending the run stops receiving and gives held messages `closeGrace` to be settled. The connection
 * closes with the scope.
 */
export const make = Effect.fnUntraced(function* (
  options: SubscriptionOptions,
): Effect.fn.Return<EventSubscription["Service"], ServiceBusConfigInvalid, Scope.Scope> {
  const { topicName, subscriptionName } = options
  const { client, host } = yield* openSubscription(options)
  const entityPath = subscriptionPath(topicName, subscriptionName)
  const receiveDeferred = yield* makeDeferredReceiver(client, topicName, subscriptionName, host)
  // A peek through a receiver of its own, closed right after: the namespace, the credential and the entity.
  const check = Effect.scoped(
    Effect.flatMap(scopedReceiver(client, topicName, subscriptionName), (receiver) =>
      peekFirst(receiver, { host, entityPath, operation: "receive from" }),
    ),
  ).pipe(Effect.asVoid, Effect.mapError(toSubscriptionError), Effect.withSpan("EventSubscription.check"))
  const messages = receiveMessages(
    client,
    {
      topicName,
      subscriptionName,
      concurrency: Math.max(1, Math.floor(options.concurrency ?? defaultConcurrency)),
      maxAutoLockRenewal: Duration.fromInputUnsafe(options.maxAutoLockRenewal ?? Duration.minutes(5)),
      watchdog: options.watchdog === false ? undefined : (options.watchdog ?? defaultWatchdog),
      closeGrace: Duration.fromInputUnsafe(options.closeGrace ?? Duration.seconds(30)),
    },
    host,
    toSubscriptionError,
  )
  return EventSubscription.of({
    messages,
    receiveDeferred: (sequenceNumbers) => Effect.mapError(receiveDeferred(sequenceNumbers), toSubscriptionError),
    check,
  })
})

/** The subscription as a layer; the connection closes when the layer is released. */
export const layer = (options: SubscriptionOptions): Layer.Layer<EventSubscription, ServiceBusConfigInvalid> =>
  Layer.effect(EventSubscription, make(options))

/** {@link layer}, its options read from configuration (a `Config` per field, or one for them all). */
export const layerConfig: (
  config: Config.Wrap<SubscriptionOptions>,
) => Layer.Layer<EventSubscription, Config.ConfigError | ServiceBusConfigInvalid> = layerFromConfig(layer)

/**
 * The options from the environment: the connection (`HAYMAKER_SERVICEBUS_CONNECTION_STRING`, or
 * `HAYMAKER_SERVICEBUS_NAMESPACE`), `HAYMAKER_SERVICEBUS_TOPIC` (default `agent-logs`),
 * `HAYMAKER_SERVICEBUS_SUBSCRIPTION` (default `orchestrator-sub`) and `HAYMAKER_SERVICEBUS_CONCURRENCY` (default 16).
 * `layerConfig(envConfig)` is the subscription configured by them.
 */
export const envConfig = {
  ...subscriptionEnvConfig,
  concurrency: Config.Int("HAYMAKER_SERVICEBUS_CONCURRENCY").pipe(Config.withDefault(defaultConcurrency)),
} satisfies Config.Wrap<SubscriptionOptions>
