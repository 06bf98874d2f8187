import type { QueueConfig, SubscriptionConfig, TopicConfig } from "../config/EmulatorConfig.ts"
import type { Logger } from "../log.ts"
import type { Payload } from "./BrokeredMessage.ts"
import type { Deadline } from "./DeadlineQueue.ts"
import type { DuplicateDetectionHistory } from "./DuplicateDetectionHistory.ts"
import { type Carried, MessageStore, type StoreHost, type StoreSettings } from "./MessageStore.ts"
import { applyRules, type Rule, RuleFailure, ruleFromConfig } from "./rules.ts"
import { SessionStore } from "./sessions/SessionStore.ts"

const deadLetterSettings: StoreSettings = {
  lockDurationMs: 60_000,
  maxDeliveryCount: Number.POSITIVE_INFINITY,
  defaultMessageTimeToLiveMs: Number.POSITIVE_INFINITY,
  deadLetteringOnMessageExpiration: false,
  forwardTo: undefined,
  forwardDeadLetteredMessagesTo: undefined,
  requiresSession: false,
}

const withDeadLetterQueue = (path: string, settings: StoreSettings, host: StoreHost): MessageStore => {
  // The dead-letter sub-queue keeps the parent's lock duration; it has no delivery limit and no expiry. It is not
  // session-enabled, even for a session-enabled parent (as in Service Bus).
  const dlq = new MessageStore(
    `${path}/$DeadLetterQueue`,
    { ...deadLetterSettings, lockDurationMs: settings.lockDurationMs },
    host,
    undefined,
  )
  return settings.requiresSession
    ? new SessionStore(path, settings, host, dlq)
    : new MessageStore(path, settings, host, dlq)
}

// Durable storage records sequence numbers in blocks: a restart continues after the block, never below a number used.
const sequenceBlock = 1000

/** Queues and topics number their messages; the counter starts at 1 like Azure's. */
export class SequenceCounter {
  private last = 0
  private reserved = 0
  private readonly reserve: (upTo: number) => void

  constructor(reserve: (upTo: number) => void) {
    this.reserve = reserve
  }

  next(): number {
    const sequenceNumber = ++this.last
    if (sequenceNumber > this.reserved) {
      this.reserved = sequenceNumber + sequenceBlock - 1
      this.reserve(this.reserved)
    }
    return sequenceNumber
  }

  /** The highest number handed out or reserved: a restart continues above it. */
  get highWater(): number {
    return Math.max(this.last, this.reserved)
  }

  /** Continues after `last` (a recovered high-water mark). */
  restore(last: number): void {
    this.last = last
    this.reserved = last
  }
}

/** A subscription's rules; changes are reported so durable storage keeps them (the rule manager edits the map). */
class RuleTable extends Map<string, Rule> {
  private readonly changed: () => void

  constructor(changed: () => void) {
    super()
    this.changed = changed
  }

  override set(key: string, rule: Rule): this {
    super.set(key, rule)
    this.changed?.()
    return this
  }

  override delete(key: string): boolean {
    const deleted = super.delete(key)
    if (deleted) this.changed()
    return deleted
  }
}

const queueStoreSettings = (p: QueueConfig["properties"]): StoreSettings => ({
  lockDurationMs: p.lockDurationMs,
  maxDeliveryCount: p.maxDeliveryCount,
  defaultMessageTimeToLiveMs: p.defaultMessageTimeToLiveMs,
  deadLetteringOnMessageExpiration: p.deadLetteringOnMessageExpiration,
  forwardTo: p.forwardTo,
  forwardDeadLetteredMessagesTo: p.forwardDeadLetteredMessagesTo,
  requiresSession: p.requiresSession,
})

const subscriptionStoreSettings = (p: SubscriptionConfig["properties"], topic: TopicConfig): StoreSettings => ({
  lockDurationMs: p.lockDurationMs,
  maxDeliveryCount: p.maxDeliveryCount,
  // A message lives no longer than the topic's or the subscription's default allows.
  defaultMessageTimeToLiveMs: Math.min(p.defaultMessageTimeToLiveMs, topic.properties.defaultMessageTimeToLiveMs),
  deadLetteringOnMessageExpiration: p.deadLetteringOnMessageExpiration,
  forwardTo: p.forwardTo,
  forwardDeadLetteredMessagesTo: p.forwardDeadLetteredMessagesTo,
  requiresSession: p.requiresSession,
})

/** When a queue, topic or subscription was created, last updated and last sent to (the management API). */
export class EntityTimes {
  createdAtMs: number
  updatedAtMs: number
  sentToAtMs: number | undefined = undefined

  constructor(now: number) {
    this.createdAtMs = now
    this.updatedAtMs = now
  }
}

/**
 * What queues and topics share as the entities senders send to: a name, a definition the management API can replace,
 * their own sequence numbers, times, and a duplicate detection history. What "taking a message" means differs:
 * a queue enqueues it in its store, a topic fans it out to its subscriptions.
 */
export abstract class SendTargetEntity<C extends QueueConfig | TopicConfig = QueueConfig | TopicConfig> {
  abstract readonly kind: "queue" | "topic"
  readonly name: string
  /** Replaced by `reconfigure` (the management API's update). */
  config: C
  readonly sequence: SequenceCounter
  readonly times: EntityTimes
  /** Set once the entity is deleted: links still holding it fail with "not found". */
  deleted = false
  /** Message ids seen recently (RequiresDuplicateDetection); created by the broker on first use. */
  duplicateDetection: DuplicateDetectionHistory | undefined = undefined
  protected readonly host: StoreHost

  constructor(config: C, host: StoreHost) {
    this.name = config.name
    this.config = config
    this.host = host
    this.sequence = new SequenceCounter((upTo) => host.journal?.sequenceReserved(this, upTo))
    this.times = new EntityTimes(host.now())
  }

  get maxMessageSizeBytes(): number {
    return this.config.properties.maxMessageSizeBytes
  }

  /** Takes a message that is due now, under `sequenceNumber`. */
  abstract enqueue(payload: Payload, sequenceNumber: number, hops: number, carried: Carried): void

  /** Holds a message until `enqueueAtMs`, with the sequence number it got now. */
  abstract schedule(payload: Payload, sequenceNumber: number, enqueueAtMs: number): void

  /** Returns false when no scheduled message has this sequence number. */
  abstract cancelScheduled(sequenceNumber: number): boolean
}

export class QueueEntity extends SendTargetEntity<QueueConfig> {
  readonly kind = "queue"
  readonly store: MessageStore

  constructor(config: QueueConfig, host: StoreHost) {
    super(config, host)
    this.store = withDeadLetterQueue(config.name, queueStoreSettings(config.properties), host)
  }

  enqueue(payload: Payload, sequenceNumber: number, hops: number, carried: Carried): void {
    this.store.enqueue(payload, sequenceNumber, hops, carried)
  }

  schedule(payload: Payload, sequenceNumber: number, enqueueAtMs: number): void {
    this.store.schedule(payload, sequenceNumber, enqueueAtMs)
  }

  cancelScheduled(sequenceNumber: number): boolean {
    return this.store.cancelScheduled(sequenceNumber)
  }

  /** New settings apply to what happens next (new locks, new messages), as in Azure. */
  reconfigure(config: QueueConfig, now: number): void {
    this.config = config
    this.store.reconfigure(queueStoreSettings(config.properties))
    this.times.updatedAtMs = now
    this.host.journal?.entityChanged(this)
  }
}

export class SubscriptionEntity {
  readonly kind = "subscription"
  readonly name: string
  readonly topic: TopicEntity
  config: SubscriptionConfig
  readonly store: MessageStore
  readonly rules: Map<string, Rule>
  readonly times: EntityTimes
  deleted = false
  private readonly logger: Logger

  constructor(config: SubscriptionConfig, topic: TopicEntity, host: StoreHost) {
    this.name = config.name
    this.topic = topic
    this.config = config
    this.logger = host.logger
    this.rules = new RuleTable(() => topic.changed())
    this.times = new EntityTimes(host.now())
    this.store = withDeadLetterQueue(
      `${topic.name}/Subscriptions/${config.name}`,
      subscriptionStoreSettings(config.properties, topic.config),
      host,
    )
    for (const rule of config.rules) this.rules.set(rule.name.toLowerCase(), ruleFromConfig(rule))
  }

  /** Enqueues what the rules make of a topic message (see `applyRules`); returns how many copies entered. */
  admit(payload: Payload, sequenceNumber: number, hops: number, carried: Carried): number {
    const outcome = applyRules(this.rules.values(), payload)
    if (outcome === undefined) return 0
    if (outcome instanceof RuleFailure) {
      this.ruleFailed(outcome, payload, sequenceNumber, hops)
      return 0
    }
    if (!Array.isArray(outcome)) {
      this.store.enqueue(outcome as Payload, sequenceNumber, hops, carried)
      return 1
    }
    // Each copy is a message of its own: the ones after the first get sequence numbers of their own.
    outcome.forEach((copy: Payload, i) => {
      this.store.enqueue(copy, i === 0 ? sequenceNumber : this.topic.sequence.next(), hops, carried)
    })
    return outcome.length
  }

  /** The copies the rules would put into this subscription (none when a rule fails: that goes to the DLQ). */
  copiesOf(payload: Payload): ReadonlyArray<Payload> {
    const outcome = applyRules(this.rules.values(), payload)
    if (outcome === undefined || outcome instanceof RuleFailure) return []
    return Array.isArray(outcome) ? outcome : [outcome as Payload]
  }

  private ruleFailed(failure: RuleFailure, payload: Payload, sequenceNumber: number, hops: number): void {
    const description = `The rule '${failure.rule}' failed on the message: ${failure.reason}`
    if (this.config.properties.deadLetteringOnFilterEvaluationExceptions) {
      this.store.enqueueDeadLettered(payload, sequenceNumber, hops, filterEvaluationReason, description)
    } else {
      this.logger.warn("a rule failed on a message; the subscription does not get it", {
        subscription: this.store.path,
        sequenceNumber,
        description,
      })
    }
  }

  /** Replaces the subscription's properties; its rules stay (they are managed one by one). */
  reconfigure(config: SubscriptionConfig, now: number): void {
    this.config = config
    this.store.reconfigure(subscriptionStoreSettings(config.properties, this.topic.config))
    this.times.updatedAtMs = now
    this.topic.changed()
  }
}

/** The dead-letter reason of messages a subscription's rule failed on (the emulator's name for the exception). */
export const filterEvaluationReason = "FilterEvaluationException"

export interface ScheduledTopicMessage {
  readonly payload: Payload
  readonly deadline: Deadline
}

export class TopicEntity extends SendTargetEntity<TopicConfig> {
  readonly kind = "topic"
  readonly subscriptions = new Map<string, SubscriptionEntity>()
  /** Scheduled messages wait at the topic and fan out when due. */
  readonly scheduled = new Map<number, ScheduledTopicMessage>()

  constructor(config: TopicConfig, host: StoreHost) {
    super(config, host)
    for (const subscription of config.subscriptions) {
      this.subscriptions.set(subscription.name.toLowerCase(), new SubscriptionEntity(subscription, this, host))
    }
  }

  addSubscription(config: SubscriptionConfig): SubscriptionEntity {
    const subscription = new SubscriptionEntity(config, this, this.host)
    this.subscriptions.set(config.name.toLowerCase(), subscription)
    this.changed()
    return subscription
  }

  /** Deletes a subscription with its messages; its receivers are closed. */
  removeSubscription(subscription: SubscriptionEntity): void {
    this.subscriptions.delete(subscription.name.toLowerCase())
    subscription.deleted = true
    subscription.store.drop()
    this.changed()
  }

  reconfigure(config: TopicConfig, now: number): void {
    this.config = config
    this.times.updatedAtMs = now
    // Subscriptions take the shorter of their own and the topic's default time to live.
    for (const subscription of this.subscriptions.values()) {
      subscription.store.reconfigure(subscriptionStoreSettings(subscription.config.properties, config))
    }
    this.changed()
  }

  /** The topic's definition, its subscriptions or their rules changed (reported to durable storage). */
  changed(): void {
    if (!this.deleted) this.host.journal?.entityChanged(this)
  }

  /** Holds a message at the topic until `enqueueAtMs`, then fans it out with the sequence number it got now. */
  schedule(payload: Payload, sequenceNumber: number, enqueueAtMs: number): void {
    const deadline = this.host.deadlines.schedule(enqueueAtMs, () => {
      if (!this.scheduled.delete(sequenceNumber)) return
      this.host.journal?.topicScheduleEnded(this, sequenceNumber)
      this.enqueue(payload, sequenceNumber, 0)
    })
    this.scheduled.set(sequenceNumber, { payload, deadline })
    this.host.journal?.topicScheduled(this, sequenceNumber, payload, enqueueAtMs)
  }

  cancelScheduled(sequenceNumber: number): boolean {
    const entry = this.scheduled.get(sequenceNumber)
    if (entry === undefined) return false
    this.host.deadlines.cancel(entry.deadline)
    this.scheduled.delete(sequenceNumber)
    this.host.journal?.topicScheduleEnded(this, sequenceNumber)
    return true
  }

  /** Fans out: copies go to every subscription with a matching rule; returns how many copies entered subscriptions. */
  enqueue(payload: Payload, sequenceNumber: number, hops: number, carried: Carried = {}): number {
    let accepted = 0
    for (const subscription of this.subscriptions.values()) {
      accepted += subscription.admit(payload, sequenceNumber, hops, carried)
    }
    return accepted
  }
}

/** A queue or a topic, told apart by `kind` (where they differ beyond `SendTargetEntity`). */
export type SendTarget = QueueEntity | TopicEntity
