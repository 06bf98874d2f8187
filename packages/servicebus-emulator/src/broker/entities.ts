import type { FilterConfig, QueueConfig, SubscriptionConfig, TopicConfig } from "../config/EmulatorConfig.ts"
import type { Payload } from "./BrokeredMessage.ts"
import type { Deadline } from "./DeadlineQueue.ts"
import { type Filter, filterFromConfig } from "./filters.ts"
import { MessageStore, type StoreHost, type StoreSettings } from "./MessageStore.ts"

const deadLetterSettings: StoreSettings = {
  lockDurationMs: 60_000,
  maxDeliveryCount: Number.POSITIVE_INFINITY,
  defaultMessageTimeToLiveMs: Number.POSITIVE_INFINITY,
  deadLetteringOnMessageExpiration: false,
  forwardTo: undefined,
  forwardDeadLetteredMessagesTo: undefined,
}

const withDeadLetterQueue = (path: string, settings: StoreSettings, host: StoreHost): MessageStore => {
  // The dead-letter sub-queue keeps the parent's lock duration; it has no delivery limit and no expiry.
  const dlq = new MessageStore(
    `${path}/$DeadLetterQueue`,
    { ...deadLetterSettings, lockDurationMs: settings.lockDurationMs },
    host,
    undefined,
  )
  return new MessageStore(path, settings, host, dlq)
}

/** Queues and topics number their messages; the counter starts at 1 like Azure's. */
class SequenceCounter {
  private last = 0
  next(): number {
    return ++this.last
  }
}

export class QueueEntity {
  readonly kind = "queue"
  readonly name: string
  readonly config: QueueConfig
  readonly store: MessageStore
  readonly sequence = new SequenceCounter()

  constructor(config: QueueConfig, host: StoreHost) {
    this.name = config.name
    this.config = config
    const p = config.properties
    this.store = withDeadLetterQueue(
      config.name,
      {
        lockDurationMs: p.lockDurationMs,
        maxDeliveryCount: p.maxDeliveryCount,
        defaultMessageTimeToLiveMs: p.defaultMessageTimeToLiveMs,
        deadLetteringOnMessageExpiration: p.deadLetteringOnMessageExpiration,
        forwardTo: p.forwardTo,
        forwardDeadLetteredMessagesTo: p.forwardDeadLetteredMessagesTo,
      },
      host,
    )
  }

  get maxMessageSizeBytes(): number {
    return this.config.properties.maxMessageSizeBytes
  }
}

export interface Rule {
  readonly name: string
  readonly filter: Filter
  /** The filter's definition, for enumerating rules. */
  readonly config: FilterConfig
}

export class SubscriptionEntity {
  readonly kind = "subscription"
  readonly name: string
  readonly topic: TopicEntity
  readonly config: SubscriptionConfig
  readonly store: MessageStore
  readonly rules = new Map<string, Rule>()

  constructor(config: SubscriptionConfig, topic: TopicEntity, host: StoreHost) {
    this.name = config.name
    this.topic = topic
    this.config = config
    const p = config.properties
    this.store = withDeadLetterQueue(
      `${topic.name}/Subscriptions/${config.name}`,
      {
        lockDurationMs: p.lockDurationMs,
        maxDeliveryCount: p.maxDeliveryCount,
        // A message lives no longer than the topic's or the subscription's default allows.
        defaultMessageTimeToLiveMs: Math.min(
          p.defaultMessageTimeToLiveMs,
          topic.config.properties.defaultMessageTimeToLiveMs,
        ),
        deadLetteringOnMessageExpiration: p.deadLetteringOnMessageExpiration,
        forwardTo: p.forwardTo,
        forwardDeadLetteredMessagesTo: p.forwardDeadLetteredMessagesTo,
      },
      host,
    )
    for (const rule of config.rules) {
      this.rules.set(rule.name.toLowerCase(), {
        name: rule.name,
        filter: filterFromConfig(rule.filter),
        config: rule.filter,
      })
    }
  }

  /** Rules are alternatives: one matching rule is enough. */
  accepts(payload: Payload): boolean {
    for (const rule of this.rules.values()) if (rule.filter.matches(payload.routing)) return true
    return false
  }
}

export interface ScheduledTopicMessage {
  readonly payload: Payload
  readonly deadline: Deadline
}

export class TopicEntity {
  readonly kind = "topic"
  readonly name: string
  readonly config: TopicConfig
  readonly subscriptions = new Map<string, SubscriptionEntity>()
  /** Scheduled messages wait at the topic and fan out when due. */
  readonly scheduled = new Map<number, ScheduledTopicMessage>()
  readonly sequence = new SequenceCounter()

  constructor(config: TopicConfig, host: StoreHost) {
    this.name = config.name
    this.config = config
    for (const subscription of config.subscriptions) {
      this.subscriptions.set(subscription.name.toLowerCase(), new SubscriptionEntity(subscription, this, host))
    }
  }

  get maxMessageSizeBytes(): number {
    return this.config.properties.maxMessageSizeBytes
  }

  /** Delivers a copy to every subscription with a matching rule; returns how many accepted it. */
  fanOut(payload: Payload, sequenceNumber: number, hops: number, carried = {}): number {
    let accepted = 0
    for (const subscription of this.subscriptions.values()) {
      if (!subscription.accepts(payload)) continue
      subscription.store.enqueue(payload, sequenceNumber, hops, carried)
      accepted++
    }
    return accepted
  }
}

export type SendTarget = QueueEntity | TopicEntity
