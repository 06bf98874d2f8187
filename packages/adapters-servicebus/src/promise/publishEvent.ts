import type { ServiceBusClient } from "@azure/service-bus"
import { Effect, Exit, Scope } from "effect"
import type { PublishOptions, WireEvent } from "../MessageEncoding.ts"
import { buildClient, connectionString, hostOf, type ServiceBusRetry } from "../ServiceBusConnection.ts"
import { makeTopicPublisherOn, type TopicPublisher } from "../TopicPublisher.ts"
import { runForCaller } from "./PromiseRuntime.ts"

interface CachedConnection {
  readonly scope: Scope.Closeable
  readonly client: ServiceBusClient
  readonly host: string
  readonly publishers: Map<string, Promise<TopicPublisher>>
}

// One AMQP connection per connection string, one sender per topic on it: the seed opened a connection per event.
const connections = new Map<string, Promise<CachedConnection>>()

export interface PublishEventOptions extends PublishOptions {
  /** Retry policy of the cached client, used when this call creates it. */
  readonly retry?: ServiceBusRetry
}

const connectionFor = (value: string, retry: ServiceBusRetry | undefined): Promise<CachedConnection> => {
  const cached = connections.get(value)
  if (cached !== undefined) return cached
  const connection = connectionString(value)
  const opening = runForCaller(
    Effect.gen(function* () {
      const client = yield* buildClient(connection, retry)
      const scope = yield* Scope.make()
      yield* Scope.addFinalizer(
        scope,
        Effect.promise(() => client.close().catch(() => undefined)),
      )
      return { scope, client, host: hostOf(connection), publishers: new Map() }
    }),
  )
  opening.catch(() => connections.delete(value))
  connections.set(value, opening)
  return opening
}

const publisherFor = (cached: CachedConnection, topicName: string): Promise<TopicPublisher> => {
  const existing = cached.publishers.get(topicName)
  if (existing !== undefined) return existing
  const created = runForCaller(
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
export const publishEvent = async (
  connectionStringValue: string,
  topicName: string,
  event: WireEvent,
  options: PublishEventOptions = {},
): Promise<void> => {
  const { retry, ...publishOptions } = options
  const cached = await connectionFor(connectionStringValue, retry)
  const publisher = await publisherFor(cached, topicName)
  return publisher.publishPromise(event, publishOptions)
}

/** Closes every connection `publishEvent` cached, after sending what is queued on them. */
export const closeAll = async (): Promise<void> => {
  const all = [...connections.values()]
  connections.clear()
  await Promise.all(
    all.map(async (opening) => {
      const cached = await opening.catch(() => undefined)
      if (cached !== undefined) await runForCaller(Scope.close(cached.scope, Exit.void))
    }),
  )
}
