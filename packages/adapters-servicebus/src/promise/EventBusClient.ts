import { Effect, Exit, Scope } from "effect"
import type { PublishOptions, WireEvent } from "../MessageEncoding.ts"
import type { ServiceBusConnection, ServiceBusRetry } from "../ServiceBusConnection.ts"
import { ServiceBusClientClosed } from "../ServiceBusErrors.ts"
import { defaultBatchSize, makeTopicPublisher, type TopicPublisher } from "../TopicPublisher.ts"
import { type ConnectionOptions, toConnection } from "./ConnectionOptions.ts"
import { runForCaller } from "./PromiseRuntime.ts"

export type EventBusClientOptions = ConnectionOptions & {
  readonly topicName: string
  /** Events per batch at most (default 100). */
  readonly batchSize?: number
  /** How long a partial batch waits for more events before it is sent (default 10 ms). */
  readonly flushIntervalMs?: number
  /** Bytes per batch at most (default: the largest message the topic accepts). */
  readonly maxBatchBytes?: number
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
  #open: Promise<Open> | undefined
  #closed = false

  constructor(options: EventBusClientOptions) {
    this.#connection = toConnection(options)
    this.#options = options
    this.topicName = options.topicName
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? defaultBatchSize))
  }

  #publisher(): Promise<Open> {
    if (this.#closed) {
      return Promise.reject(
        new ServiceBusClientClosed({
          code: "ClientClosed",
          entityPath: this.topicName,
          message: `This EventBusClient for ${this.topicName} is closed; create a new one to publish`,
        }),
      )
    }
    if (this.#open === undefined) {
      const options = this.#options
      const connection = this.#connection
      const batchSize = this.batchSize
      const open = Effect.gen(function* () {
        const scope = yield* Scope.make()
        const publisher = yield* makeTopicPublisher(
          connection,
          {
            topicName: options.topicName,
            batchSize,
            ...(options.flushIntervalMs === undefined ? {} : { flushIntervalMs: options.flushIntervalMs }),
            ...(options.maxBatchBytes === undefined ? {} : { maxBatchBytes: options.maxBatchBytes }),
          },
          options.retry,
        ).pipe(Scope.provide(scope))
        return { scope, publisher }
      })
      const opening = runForCaller(open)
      // A client that could not be built may be retried by the next call.
      opening.catch(() => {
        if (this.#open === opening) this.#open = undefined
      })
      this.#open = opening
      return opening
    }
    return this.#open
  }

  /** Publishes one event; resolves once the broker accepted it, rejects with a typed error otherwise. */
  async publish(event: WireEvent, options?: PublishOptions): Promise<void> {
    const { publisher } = await this.#publisher()
    return publisher.publishPromise(event, options)
  }

  /** Publishes several events in order; resolves once all were accepted. */
  async publishAll(events: Iterable<WireEvent>): Promise<void> {
    const { publisher } = await this.#publisher()
    return runForCaller(publisher.publishAll(Array.from(events)))
  }

  /** Sends everything published so far without waiting for a batch to fill. */
  async flush(): Promise<void> {
    if (this.#open === undefined) return
    const { publisher } = await this.#open
    return runForCaller(publisher.flush)
  }

  /** Sends what is queued, then closes the connection. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const open = this.#open
    if (open === undefined) return
    const { scope } = await open
    await runForCaller(Scope.close(scope, Exit.void))
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
