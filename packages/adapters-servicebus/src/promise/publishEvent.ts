import { Context, Effect, Layer, ManagedRuntime, Scope } from "effect"
import type { PublishOptions, WireEvent } from "../MessageEncoding.ts"
import {
  acquireClient,
  connectionString,
  hostOf,
  type ServiceBusConfigInvalid,
  type ServiceBusRetry,
} from "../ServiceBusConnection.ts"
import { makeTopicPublisherOn, type TopicPublisher } from "../TopicPublisher.ts"
import { type CallerOptions, callerLogLevel, valueOrThrow } from "./PromiseRuntime.ts"

/** One connection's publishers, one per topic, made on first use and closed with the connection. */
class TopicPublishers extends Context.Service<
  TopicPublishers,
  { readonly get: (topicName: string) => Effect.Effect<TopicPublisher> }
>()("@haymaker/adapters-servicebus/promise/publishEvent/TopicPublishers") {}

const topicPublishers = (connectionStringValue: string, retry: ServiceBusRetry | undefined) =>
  Layer.effect(
    TopicPublishers,
    Effect.gen(function* () {
      const connection = connectionString(connectionStringValue)
      const client = yield* acquireClient(connection, retry)
      const host = hostOf(connection)
      const scope = yield* Effect.scope
      const made = new Map<string, TopicPublisher>()
      return TopicPublishers.of({
        get: (topicName) =>
          Effect.suspend(() => {
            const existing = made.get(topicName)
            if (existing !== undefined) return Effect.succeed(existing)
            return makeTopicPublisherOn(client, host, { topicName, flushInterval: 0 }).pipe(
              Scope.provide(scope),
              Effect.tap((publisher) => Effect.sync(() => made.set(topicName, publisher))),
            )
          }),
      })
    }),
  )

interface CachedConnection {
  readonly runtime: ManagedRuntime.ManagedRuntime<TopicPublishers, ServiceBusConfigInvalid>
  /** The publishers already made, for the synchronous path. */
  readonly publishers: Map<string, TopicPublisher>
}

// One AMQP connection per connection string, one sender per topic on it (the seed opened a connection per event),
// each connection in a runtime of its own. Building them is synchronous (the connection opens with the first send),
// so the cache holds values, not promises.
const connections = new Map<string, CachedConnection>()

export interface PublishEventOptions extends PublishOptions, CallerOptions {
  /** Retry policy of the cached connection, used when this call creates it. */
  readonly retry?: ServiceBusRetry
}

const connectionFor = (value: string, options: PublishEventOptions): CachedConnection => {
  const cached = connections.get(value)
  if (cached !== undefined) return cached
  const created: CachedConnection = {
    runtime: ManagedRuntime.make(
      topicPublishers(value, options.retry).pipe(Layer.provideMerge(callerLogLevel(options))),
    ),
    publishers: new Map(),
  }
  connections.set(value, created)
  return created
}

const publisherFor = (cached: CachedConnection, topicName: string): TopicPublisher => {
  const existing = cached.publishers.get(topicName)
  if (existing !== undefined) return existing
  const made = valueOrThrow(cached.runtime.runSyncExit(TopicPublishers.use((publishers) => publishers.get(topicName))))
  cached.publishers.set(topicName, made)
  return made
}

/**
 * Publishes one event to a topic and resolves once the broker accepted it; rejects with a typed error
 * (`ServiceBusConnectionRefused`, `ServiceBusUnauthorized`, `ServiceBusEntityNotFound`, `EventTooLarge`, …)
 * otherwise. Connections are cached per connection string and reused by later calls; concurrent calls to the same
 * topic share batches. `closeAll()` closes them.
 */
export const publishEvent = (
  connectionStringValue: string,
  topicName: string,
  event: WireEvent,
  options: PublishEventOptions = {},
): Promise<void> => {
  try {
    const { retry: _retry, logLevel: _logLevel, ...publishOptions } = options
    return publisherFor(connectionFor(connectionStringValue, options), topicName).publishPromise(event, publishOptions)
  } catch (error) {
    return Promise.reject(error)
  }
}

/** Closes every connection `publishEvent` cached, after sending what is queued on them. */
export const closeAll = async (): Promise<void> => {
  const all = [...connections.values()]
  connections.clear()
  await Promise.all(all.map((cached) => cached.runtime.dispose()))
}
