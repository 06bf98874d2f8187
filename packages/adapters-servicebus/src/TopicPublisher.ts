import type { ServiceBusClient } from "@azure/service-bus"
import { Duration, Effect, type Scope } from "effect"
import { makeBatchingSender } from "./BatchingSender.ts"
import { type PreparedEvent, type PublishOptions, prepareEvent } from "./MessageEncoding.ts"
import {
  acquireClient,
  hostOf,
  type ServiceBusConfigInvalid,
  type ServiceBusConnection,
  type ServiceBusRetry,
} from "./ServiceBusConnection.ts"
import type { ServiceBusAdapterError } from "./ServiceBusErrors.ts"

export interface TopicPublisherSettings {
  readonly topicName: string
  /** Events per batch at most. Default 100 (the seed's `batch_size`). */
  readonly batchSize?: number
  /** Bytes per batch at most. Default: the largest message the topic accepts. */
  readonly maxBatchBytes?: number
  /** How long a partial batch waits for more events; zero sends it as soon as a send slot is free. Default 10 ms. */
  readonly flushInterval?: Duration.Input
  /**
   * Batches in flight on the sender link at most. Default 2: the next batch is packed and sent while the broker
   * stores the previous one. Order holds while sends succeed; a batch the SDK has to delay or retry may land after
   * the one behind it, so give `1` when the topic must see events in publish order even then.
   */
  readonly maxInFlightBatches?: number
}

/** Publishes events (JSON objects, snake_case keys as sent) to one topic. */
export interface TopicPublisher {
  readonly topicName: string
  /** Resolves once the broker accepted the batch that carried the event. */
  readonly publish: (event: object, options?: PublishOptions) => Effect.Effect<void, ServiceBusAdapterError>
  /** Publishes the events in order; resolves once all were accepted. */
  readonly publishAll: (events: ReadonlyArray<object>) => Effect.Effect<void, ServiceBusAdapterError>
  /** `publish` for Promise callers, without running a fiber per event. */
  readonly publishPromise: (event: object, options?: PublishOptions) => Promise<void>
  /** Sends every event published before this call. */
  readonly flush: Effect.Effect<void>
}

export const defaultBatchSize = 100
export const defaultFlushInterval = Duration.millis(10)
export const defaultMaxInFlightBatches = 2
/** On close, how long queued events may take to be sent before they fail. */
const closeGrace = Duration.minutes(1)

/** A batching publisher to one topic over an existing client; closing the scope sends what is queued. */
export const makeTopicPublisherOn = Effect.fnUntraced(function* (
  client: ServiceBusClient,
  host: string,
  settings: TopicPublisherSettings,
): Effect.fn.Return<TopicPublisher, never, Scope.Scope> {
  const batchSize = Math.max(1, Math.floor(settings.batchSize ?? defaultBatchSize))
  const sender = yield* Effect.acquireRelease(
    Effect.sync(() => client.createSender(settings.topicName)),
    (sender) => Effect.promise(() => sender.close().catch(() => undefined)),
  )
  const batching = yield* makeBatchingSender(
    sender,
    { host, entityPath: settings.topicName },
    {
      batchSize,
      maxBatchBytes: settings.maxBatchBytes,
      flushInterval: Duration.fromInputUnsafe(settings.flushInterval ?? defaultFlushInterval),
      maxInFlightBatches: Math.max(1, Math.floor(settings.maxInFlightBatches ?? defaultMaxInFlightBatches)),
      closeGrace,
    },
  )
  return {
    topicName: settings.topicName,
    publish: (event, options) => Effect.suspend(() => batching.send(prepareEvent(event, options))),
    publishPromise: (event, options) => {
      let prepared: PreparedEvent
      try {
        prepared = prepareEvent(event, options)
      } catch (error) {
        return Promise.reject(error)
      }
      return batching.sendPromise(prepared)
    },
    publishAll: (events) => Effect.suspend(() => batching.sendMany(events.map((event) => prepareEvent(event)))),
    flush: batching.flush,
  }
})

/**
 * A batching publisher to one topic that owns its connection: closing the scope sends what is queued, then closes
 * the sender and the connection.
 */
export const makeTopicPublisher = Effect.fnUntraced(function* (
  connection: ServiceBusConnection,
  settings: TopicPublisherSettings,
  retry?: ServiceBusRetry,
): Effect.fn.Return<TopicPublisher, ServiceBusConfigInvalid, Scope.Scope> {
  const client = yield* acquireClient(connection, retry)
  return yield* makeTopicPublisherOn(client, hostOf(connection), settings)
})
