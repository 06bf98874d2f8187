import { Cause, Effect, Exit, Scope } from "effect"
import type { PublishOptions, WireEvent } from "../MessageEncoding.ts"
import type { ServiceBusConnection, ServiceBusRetry } from "../ServiceBusConnection.ts"
import { ServiceBusClientClosed } from "../ServiceBusErrors.ts"
import { defaultBatchSize, makeTopicPublisher, type TopicPublisher } from "../TopicPublisher.ts"
import { type ConnectionOptions, toConnection } from "./ConnectionOptions.ts"
import { provideCallerLogLevel, runForCaller } from "./PromiseRuntime.ts"

export type EventBusClientOptions = ConnectionOptions & {
  readonly topicName: string
  /** Events per batch at most (default 100). */
  readonly batchSize?: number
  /** How long a partial batch waits for more events before it is sent (default 10 ms). */
  readonly flushIntervalMs?: number
  /** Bytes per batch at most (default: the largest message the topic accepts). */
  readonly maxBatchBytes?: number
  /**
   * Batches in flight at most (default 2). Events reach the topic in publish order while sends succeed; give `1` to
   * keep that order even when the SDK has to retry a send.
   */
  readonly maxInFlightBatches?: number
  readonly retry?: ServiceBusRetry
}

interface Open {
  readonly scope: Scope.Closeable
  readonly publisher: TopicPublisher
}

/**
 * Publishes events to one topic with batching: concurrent `publish` calls share batches of up to `batchSize`
 * events, each promise resolving when the broker accepted its batch. The connection opens on first use;
 * `close()` sends what is queued and closes it.
 */
export class EventBusClient {
  readonly topicName: string
  readonly batchSize: number
  readonly #connection: ServiceBusConnection
  readonly #options: EventBusClientOptions
  #open: Open | undefined
  #closed = false

  constructor(options: EventBusClientOptions) {
    this.#connection = toConnection(options)
    this.#options = options
    this.topicName = options.topicName
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? defaultBatchSize))
  }

  // Building the SDK client and the sender is synchronous (the AMQP connection opens with the first batch), so
  // publishing never waits for a promise before its event is queued.
  #publisher(): TopicPublisher {
    if (this.#closed) {
      throw new ServiceBusClientClosed({
        code: "ClientClosed",
        entityPath: this.topicName,
        message: `This EventBusClient for ${this.topicName} is closed; create a new one to publish`,
      })
    }
    if (this.#open !== undefined) return this.#open.publisher
    const options = this.#options
    const scope = Effect.runSync(Scope.make())
    const built = Effect.runSyncExit(
      makeTopicPublisher(
        this.#connection,
        {
          topicName: options.topicName,
          batchSize: this.batchSize,
          ...(options.flushIntervalMs === undefined ? {} : { flushIntervalMs: options.flushIntervalMs }),
          ...(options.maxBatchBytes === undefined ? {} : { maxBatchBytes: options.maxBatchBytes }),
          ...(options.maxInFlightBatches === undefined ? {} : { maxInFlightBatches: options.maxInFlightBatches }),
        },
        options.retry,
      ).pipe(Scope.provide(scope), provideCallerLogLevel),
    )
    if (Exit.isFailure(built)) {
      // Nothing was opened; the next call may try again.
      Effect.runSync(Scope.close(scope, built))
      throw Cause.squash(built.cause)
    }
    this.#open = { scope, publisher: built.value }
    return built.value
  }

  /** Publishes one event; resolves once the broker accepted it, rejects with a typed error otherwise. */
  publish(event: WireEvent, options?: PublishOptions): Promise<void> {
    try {
      return this.#publisher().publishPromise(event, options)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** Publishes several events in order; resolves once all were accepted. */
  async publishAll(events: Iterable<WireEvent>): Promise<void> {
    return runForCaller(this.#publisher().publishAll(Array.from(events)))
  }

  /** Sends everything published so far without waiting for a batch to fill. */
  async flush(): Promise<void> {
    if (this.#open === undefined) return
    return runForCaller(this.#open.publisher.flush)
  }

  /** Sends what is queued, then closes the connection. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const open = this.#open
    if (open === undefined) return
    await runForCaller(Scope.close(open.scope, Exit.void))
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
