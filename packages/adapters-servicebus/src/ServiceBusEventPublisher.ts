import { type AgentEvent, EventPublisher, encodeAgentEvent } from "@haymaker/domain"
import { Config, Effect, Layer } from "effect"
import type { WireEvent } from "./MessageEncoding.ts"
import { toPublishError } from "./PortErrors.ts"
import {
  connectionConfig,
  type ServiceBusConfigInvalid,
  type ServiceBusConnection,
  type ServiceBusRetry,
} from "./ServiceBusConnection.ts"
import { makeTopicPublisher, type TopicPublisherSettings } from "./TopicPublisher.ts"

export interface PublisherConfig extends TopicPublisherSettings {
  readonly connection: ServiceBusConnection
  readonly retry?: ServiceBusRetry
}

const toWire = (event: AgentEvent): WireEvent => encodeAgentEvent(event) as WireEvent

/**
 * `EventPublisher` over a Service Bus topic: batched sends (by count and bytes), `application/json` bodies, the
 * event type as `subject` and `event_type`/`run_id`/`scenario_name` application properties, and a message id derived
 * from the event. Releasing the layer sends what is queued and closes the connection.
 */
export const layer = (config: PublisherConfig): Layer.Layer<EventPublisher, ServiceBusConfigInvalid> =>
  Layer.effect(
    EventPublisher,
    Effect.gen(function* () {
      const publisher = yield* makeTopicPublisher(config.connection, config, config.retry)
      return EventPublisher.of({
        publish: (event) =>
          Effect.suspend(() => publisher.publish(toWire(event))).pipe(Effect.mapError(toPublishError)),
        publishAll: (events) =>
          Effect.suspend(() => publisher.publishAll(events.map(toWire))).pipe(Effect.mapError(toPublishError)),
      })
    }),
  )

/**
 * The publisher configured from the environment: the connection (`HAYMAKER_SERVICEBUS_CONNECTION_STRING`, or
 * `HAYMAKER_SERVICEBUS_NAMESPACE`), `HAYMAKER_SERVICEBUS_TOPIC` (default `agent-logs`) and
 * `HAYMAKER_SERVICEBUS_BATCH_SIZE` (default 100).
 */
export const layerConfig: Layer.Layer<EventPublisher, Config.ConfigError | ServiceBusConfigInvalid> = Layer.unwrap(
  Effect.gen(function* () {
    const connection = yield* connectionConfig
    const topicName = yield* Config.String("HAYMAKER_SERVICEBUS_TOPIC").pipe(Config.withDefault("agent-logs"))
    const batchSize = yield* Config.Int("HAYMAKER_SERVICEBUS_BATCH_SIZE").pipe(Config.withDefault(100))
    return layer({ connection, topicName, batchSize })
  }),
)
