import type { ServiceBusClient } from "@azure/service-bus"
import { Cause, Effect, Exit, Scope } from "effect"
import type { PublishOptions, WireEvent } from "../MessageEncoding.ts"
import { buildClient, connectionString, hostOf, type ServiceBusRetry } from "../ServiceBusConnection.ts"
import { makeTopicPublisherOn, type TopicPublisher } from "../TopicPublisher.ts"
import { provideCallerLogLevel, runForCaller } from "./PromiseRuntime.ts"

interface CachedConnection {
  readonly scope: Scope.Closeable
  readonly client: ServiceBusClient
  readonly host: string
  readonly publishers: Map<string, TopicPublisher>
}

// One AMQP connection per connection string, one sender per topic on it: the seed opened a connection per event.
// Building them is synchronous (the connection opens with the first send), so the caches hold values, not promises.
const connections = new Map<string, CachedConnection>()

export interface PublishEventOptions extends PublishOptions {
  /** Retry policy of the cached client, used when this call creates it. */
  readonly retry?: ServiceBusRetry
}

const runSync = <A, E>(effect: Effect.Effect<A, E>): A => {
  const exit = Effect.runSyncExit(provideCallerLogLevel(effect))
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.squash(exit.cause)
}

const connectionFor = (value: string, retry: ServiceBusRetry | undefined): CachedConnection => {
  const cached = connections.get(value)
  if (cached !== undefined) return cached
  const connection = connectionString(value)
  const client = runSync(buildClient(connection, retry))
  const scope = Effect.runSync(Scope.make())
  Effect.runSync(
    Scope.addFinalizer(
      scope,
      Effect.promise(() => client.close().catch(() => undefined)),
    ),
  )
  const created: CachedConnection = { scope, client, host: hostOf(connection), publishers: new Map() }
  connections.set(value, created)
  return created
}

const publisherFor = (cached: CachedConnection, topicName: string): TopicPublisher => {
  const existing = cached.publishers.get(topicName)
  if (existing !== undefined) return existing
  const created = runSync(
    makeTopicPublisherOn(cached.client, cached.host, { topicName, flushIntervalMs: 0 }).pipe(
      Scope.provide(cached.scope),
    ),
  )
  cached.publishers.set(topicName, created)
  return created
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
    const { retry, ...publishOptions } = options
    return publisherFor(connectionFor(connectionStringValue, retry), topicName).publishPromise(event, publishOptions)
  } catch (error) {
    return Promise.reject(error)
  }
}

/** Closes every connection `publishEvent` cached, after sending what is queued on them. */
export const closeAll = async (): Promise<void> => {
  const all = [...connections.values()]
  connections.clear()
  await Promise.all(all.map((cached) => runForCaller(Scope.close(cached.scope, Exit.void))))
}
