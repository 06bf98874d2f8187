import { Context, Layer, ManagedRuntime } from "effect"
import type { PublishOptions, WireEvent } from "../MessageEncoding.ts"
import type { ServiceBusConfigInvalid, ServiceBusRetry } from "../ServiceBusConnection.ts"
import { ServiceBusClientClosed } from "../ServiceBusErrors.ts"
import { defaultBatchSize, makeTopicPublisher, type TopicPublisher } from "../TopicPublisher.ts"
import { type ConnectionOptions, toConnection } from "./ConnectionOptions.ts"
import { type CallerOptions, callerLogLevel, valueOrThrow } from "./PromiseRuntime.ts"

export type EventBusClientOptions = ConnectionOptions &
  CallerOptions & {
    readonly topicName: string
    /** Events per batch at most (default 100). */
    readonly batchSize?: number
    /** How long a partial batch waits for more events before it is sent, in milliseconds (default 10). */
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

/** The client's one publisher, in its runtime. */
class Publisher extends Context.Service<Publisher, TopicPublisher>()(
  "@haymaker/adapters-servicebus/promise/EventBusClient/Publisher",
) {}

/**
 * Publishes events to one topic with batching: concurrent `publish` calls share batches of up to `batchSize`
 * events, each promise resolving when the broker accepted its batch. The client's connection and sender live in a
 * `ManagedRuntime` of its own, built on first use; `close()` disposes it, which sends what is queued and closes them.
 */
export class EventBusClient {
  readonly topicName: string
  readonly batchSize: number
  readonly #runtime: ManagedRuntime.ManagedRuntime<Publisher, ServiceBusConfigInvalid>
  #publisher: TopicPublisher | undefined
  #closed = false

  constructor(options: EventBusClientOptions) {
    const connection = toConnection(options)
    this.topicName = options.topicName
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? defaultBatchSize))
    const publisher = makeTopicPublisher(
      connection,
      {
        topicName: options.topicName,
        batchSize: this.batchSize,
        ...(options.flushIntervalMs === undefined ? {} : { flushInterval: options.flushIntervalMs }),
        ...(options.maxBatchBytes === undefined ? {} : { maxBatchBytes: options.maxBatchBytes }),
        ...(options.maxInFlightBatches === undefined ? {} : { maxInFlightBatches: options.maxInFlightBatches }),
      },
      options.retry,
    )
    this.#runtime = ManagedRuntime.make(
      Layer.effect(Publisher, publisher).pipe(Layer.provideMerge(callerLogLevel(options))),
    )
  }

  // Building the SDK client and the sender is synchronous (the AMQP connection opens with the first batch), so the
  // runtime is built in the caller's turn and publishing never waits for a promise before its event is queued.
  #open(): TopicPublisher {
    if (this.#closed) {
      throw new ServiceBusClientClosed({
        code: "ClientClosed",
        entityPath: this.topicName,
        message: `This EventBusClient for ${this.topicName} is closed; create a new one to publish`,
      })
    }
    this.#publisher ??= valueOrThrow(this.#runtime.runSyncExit(Publisher))
    return this.#publisher
  }

  /** Publishes one event; resolves once the broker accepted it, rejects with a typed error otherwise. */
  publish(event: WireEvent, options?: PublishOptions): Promise<void> {
    try {
      return this.#open().publishPromise(event, options)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** Publishes several events in order; resolves once all were accepted. */
  async publishAll(events: Iterable<WireEvent>): Promise<void> {
    return this.#runtime.runPromise(this.#open().publishAll(Array.from(events)))
  }

  /** Sends everything published so far without waiting for a batch to fill. */
  async flush(): Promise<void> {
    if (this.#publisher === undefined || this.#closed) return
    return this.#runtime.runPromise(this.#publisher.flush)
  }

  /** Sends what is queued, then closes the connection. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#runtime.dispose()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
