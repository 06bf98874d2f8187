import { EventPublisher, encodeAgentEvent, layerFromConfig } from "@haymaker/domain"
import { Config, Effect, Layer, type Scope } from "effect"
import { toPublishError } from "./PortErrors.ts"
import {
  type ServiceBusConfigInvalid,
  type ServiceBusConnection,
  type ServiceBusRetry,
  topicEnvConfig,
} from "./ServiceBusConnection.ts"
import { defaultBatchSize, makeTopicPublisher, type TopicPublisherSettings } from "./TopicPublisher.ts"

export interface PublisherOptions extends TopicPublisherSettings {
  readonly connection: ServiceBusConnection
  readonly retry?: ServiceBusRetry
}

/**
 * `EventPublisher` over a Service Bus topic: batched sends (by count and bytes), `application/json` bodies, the
 * event type as `subject` and `event_type`/`run_id`/`scenario_name` application properties, and a message id derived
 * from the event. Closing the scope sends what is queued and closes the connection.
 */
export const make = Effect.fnUntraced(function* (
  options: PublisherOptions,
): Effect.fn.Return<EventPublisher["Service"], ServiceBusConfigInvalid, Scope.Scope> {
  const publisher = yield* makeTopicPublisher(options.connection, options, options.retry)
  return EventPublisher.of({
    publish: (event) =>
      Effect.suspend(() => publisher.publish(encodeAgentEvent(event))).pipe(Effect.mapError(toPublishError)),
    publishAll: (events) =>
      Effect.suspend(() => publisher.publishAll(events.map(encodeAgentEvent))).pipe(Effect.mapError(toPublishError)),
  })
})

/** The publisher as a layer; releasing it sends what is queued, then closes the connection. */
export const layer = (options: PublisherOptions): Layer.Layer<EventPublisher, ServiceBusConfigInvalid> =>
  Layer.effect(EventPublisher, make(options))

/** {@link layer}, its options read from configuration (a `Config` per field, or one for them all). */
export const layerConfig: (
  config: Config.Wrap<PublisherOptions>,
) => Layer.Layer<EventPublisher, Config.ConfigError | ServiceBusConfigInvalid> = layerFromConfig(layer)

/**
 * The options from the environment: the connection (`HAYMAKER_SERVICEBUS_CONNECTION_STRING`, or
 * `HAYMAKER_SERVICEBUS_NAMESPACE`), `HAYMAKER_SERVICEBUS_TOPIC` (default `agent-logs`) and
 * `HAYMAKER_SERVICEBUS_BATCH_SIZE` (default 100). `layerConfig(envConfig)` is the publisher configured by them.
 */
export const envConfig = {
  ...topicEnvConfig,
  batchSize: Config.Int("HAYMAKER_SERVICEBUS_BATCH_SIZE").pipe(Config.withDefault(defaultBatchSize)),
} satisfies Config.Wrap<PublisherOptions>
