import type { EmulatorConfig, QueueConfig, TopicConfig } from "../config/EmulatorConfig.ts"
import type { Logger } from "../log.ts"
import { BrokerError } from "./BrokerError.ts"
import type { BrokeredMessage, Payload } from "./BrokeredMessage.ts"
import type { BrokerJournal } from "./BrokerJournal.ts"
import { DeadlineQueue } from "./DeadlineQueue.ts"
import { DuplicateDetectionHistory } from "./DuplicateDetectionHistory.ts"
import { QueueEntity, type SendTarget, type SubscriptionEntity, TopicEntity } from "./entities.ts"
import { LockTokens } from "./LockTokens.ts"
import type { Carried, MessageStore, StoreHost } from "./MessageStore.ts"
import { requireSessionIds } from "./sessions/requireSessionIds.ts"

/** A resolved entity path: what a link address or a CBS audience names. */
export type EntityRef =
  | { readonly kind: "queue"; readonly queue: QueueEntity; readonly deadLetter: boolean }
  | { readonly kind: "topic"; readonly topic: TopicEntity }
  | { readonly kind: "subscription"; readonly subscription: SubscriptionEntity; readonly deadLetter: boolean }

export interface LockedMessage {
  readonly store: MessageStore
  readonly message: BrokeredMessage
}

const deadLetterSuffix = "/$deadletterqueue"
const transferDeadLetterPattern = /\/\$transfer\/\$deadletterqueue(\/|$)/i
const subscriptionsSegment = "/subscriptions/"

/** Strips a scheme and host ("sb://host:port/queue" or "amqp://host/queue") and surrounding slashes. */
export const entityPathOf = (address: string): string => {
  const schemeMatch = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(address)
  const path = schemeMatch === null ? address : address.slice(schemeMatch[0].length)
  return path.replace(/^\/+|\/+$/g, "")
}

export interface BrokerOptions {
  readonly logger: Logger
  readonly now?: () => number
}

/**
 * The protocol-independent core: entities from the configuration, message routing (topic fan-out through rules,
 * ForwardTo), scheduling, and the broker-wide lock table.
 */
export class Broker {
  readonly queues = new Map<string, QueueEntity>()
  readonly topics = new Map<string, TopicEntity>()
  readonly deadlines: DeadlineQueue
  readonly lockTokens = new LockTokens()
  readonly logger: Logger
  readonly now: () => number
  private readonly locks = new Map<number, LockedMessage>()
  private readonly host: { -readonly [K in keyof StoreHost]: StoreHost[K] }

  constructor(config: EmulatorConfig, options: BrokerOptions) {
    this.logger = options.logger
    this.now = options.now ?? Date.now
    this.deadlines = new DeadlineQueue(this.now)
    this.host = {
      deadlines: this.deadlines,
      lockTokens: this.lockTokens,
      logger: this.logger,
      journal: undefined,
      now: this.now,
      registerLock: (token, store, message) => this.locks.set(token, { store, message }),
      releaseLock: (token) => this.locks.delete(token),
      forward: (target, payload, hops, carried) => this.forward(target, payload, hops, carried),
    }
    for (const queue of config.namespace.queues)
      this.queues.set(queue.name.toLowerCase(), new QueueEntity(queue, this.host))
    for (const topic of config.namespace.topics)
      this.topics.set(topic.name.toLowerCase(), new TopicEntity(topic, this.host))
  }

  /** Resolves an entity path case-insensitively, or undefined when nothing has that name. */
  find(address: string): EntityRef | undefined {
    let path = entityPathOf(address).toLowerCase()
    let deadLetter = false
    if (path.endsWith(deadLetterSuffix)) {
      deadLetter = true
      path = path.slice(0, -deadLetterSuffix.length)
    }
    const split = path.lastIndexOf(subscriptionsSegment)
    if (split > 0) {
      const topic = this.topics.get(path.slice(0, split))
      const subscription = topic?.subscriptions.get(path.slice(split + subscriptionsSegment.length))
      return subscription === undefined ? undefined : { kind: "subscription", subscription, deadLetter }
    }
    const queue = this.queues.get(path)
    if (queue !== undefined) return { kind: "queue", queue, deadLetter }
    const topic = this.topics.get(path)
    if (topic !== undefined && !deadLetter) return { kind: "topic", topic }
    return undefined
  }

  resolve(address: string): EntityRef {
    const ref = this.find(address)
    if (ref !== undefined) return ref
    const path = entityPathOf(address)
    if (transferDeadLetterPattern.test(path)) {
      throw new BrokerError(
        "NotImplemented",
        `The transfer dead-letter queue ('${path}') is not supported by the emulator (messages over the forwarding hop limit are dead-lettered to the entity's dead-letter queue instead).`,
      )
    }
    throw notFound(path)
  }

  /** The queue or topic a sender link targets. */
  sendTarget(address: string): SendTarget {
    const ref = this.resolve(address)
    if (ref.kind === "queue" && !ref.deadLetter) return ref.queue
    if (ref.kind === "topic") return ref.topic
    throw new BrokerError(
      "InvalidOperation",
      `Cannot send to '${entityPathOf(address)}': only queues and topics accept messages.`,
    )
  }

  /** The store a receiver link reads from (a queue, a subscription, or one of their dead-letter queues). */
  receiveSource(address: string): MessageStore {
    const ref = this.resolve(address)
    return storeOf(ref, address)
  }

  /** From now on every change of state is reported to `journal` (durable storage, after restoring its state). */
  attachJournal(journal: BrokerJournal | undefined): void {
    this.host.journal = journal
  }

  /**
   * Resolves once everything done so far survives a restart (with a data directory); undefined when nothing waits.
   * Sends are acknowledged only then.
   */
  whenDurable(): Promise<void> | undefined {
    return this.host.journal?.whenDurable()
  }

  /** Adds a queue at run time (the management API); its name must be free among queues and topics. */
  createQueue(config: QueueConfig): QueueEntity {
    this.claimName(config.name)
    return this.added(this.queues, new QueueEntity(config, this.host))
  }

  createTopic(config: TopicConfig): TopicEntity {
    this.claimName(config.name)
    return this.added(this.topics, new TopicEntity(config, this.host))
  }

  /** Deletes a queue with its messages; its receivers are closed and its senders fail from now on. */
  deleteQueue(queue: QueueEntity): void {
    this.queues.delete(queue.name.toLowerCase())
    queue.deleted = true
    queue.store.drop()
    this.host.journal?.entityDeleted(queue)
  }

  deleteTopic(topic: TopicEntity): void {
    this.topics.delete(topic.name.toLowerCase())
    topic.deleted = true
    for (const entry of topic.scheduled.values()) this.deadlines.cancel(entry.deadline)
    topic.scheduled.clear()
    for (const subscription of [...topic.subscriptions.values()]) topic.removeSubscription(subscription)
    this.host.journal?.entityDeleted(topic)
  }

  /**
   * Accepts sent messages: scheduled ones wait, the rest are enqueued (queues) or fanned out (topics); duplicates
   * (RequiresDuplicateDetection) are accepted and dropped.
   */
  send(target: SendTarget, payloads: ReadonlyArray<Payload>): void {
    if (target.deleted) throw notFound(target.name)
    requireSessionIds(target, payloads)
    const now = this.now()
    target.times.sentToAtMs = now
    for (const payload of payloads) {
      if (this.isDuplicate(target, payload)) continue
      const at = payload.scheduledEnqueueTimeMs
      if (at !== undefined && at > now) this.scheduleAccepted(target, payload, at)
      else this.enqueue(target, payload, 0, {})
    }
  }

  /** Returns the sequence number that `cancelScheduled` takes (a dropped duplicate gets one that names nothing). */
  schedule(target: SendTarget, payload: Payload, enqueueAtMs: number): number {
    requireSessionIds(target, [payload])
    if (this.isDuplicate(target, payload)) return target.sequence.next()
    return this.scheduleAccepted(target, payload, enqueueAtMs)
  }

  cancelScheduled(target: SendTarget, sequenceNumbers: ReadonlyArray<number>): void {
    for (const sequenceNumber of sequenceNumbers) {
      if (!target.cancelScheduled(sequenceNumber)) {
        throw new BrokerError(
          "MessageNotFound",
          `Messages not found. Missing sequence numbers: ${sequenceNumber} (no scheduled message with this sequence number in '${target.name}').`,
        )
      }
    }
  }

  /** A locked message by token, checked to belong to `store` (a token from another entity is a lost lock). */
  lockedMessage(token: number | undefined, store: MessageStore): LockedMessage {
    const locked = token === undefined ? undefined : this.locks.get(token)
    if (locked === undefined || locked.store !== store) {
      throw new BrokerError(
        "MessageLockLost",
        "The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.",
      )
    }
    return locked
  }

  get lockCount(): number {
    return this.locks.size
  }

  stores(): Array<MessageStore> {
    const stores: Array<MessageStore> = []
    const add = (store: MessageStore) => {
      stores.push(store)
      if (store.deadLetterQueue !== undefined) stores.push(store.deadLetterQueue)
    }
    for (const queue of this.queues.values()) add(queue.store)
    for (const topic of this.topics.values()) for (const s of topic.subscriptions.values()) add(s.store)
    return stores
  }

  close(): void {
    for (const store of this.stores()) store.clear()
    this.locks.clear()
    this.deadlines.close()
  }

  private added<E extends SendTarget>(entities: Map<string, E>, entity: E): E {
    entities.set(entity.name.toLowerCase(), entity)
    this.host.journal?.entityChanged(entity)
    return entity
  }

  private claimName(name: string): void {
    const key = name.toLowerCase()
    if (this.queues.has(key) || this.topics.has(key)) {
      throw new BrokerError("EntityAlreadyExists", `The messaging entity '${name}' already exists.`)
    }
  }

  private scheduleAccepted(target: SendTarget, payload: Payload, enqueueAtMs: number): number {
    const sequenceNumber = target.sequence.next()
    target.schedule(payload, sequenceNumber, enqueueAtMs)
    return sequenceNumber
  }

  private isDuplicate(target: SendTarget, payload: Payload): boolean {
    const properties = target.config.properties
    if (!properties.requiresDuplicateDetection) return false
    const history = this.duplicateHistory(target)
    const messageId = payload.routing.messageId
    if (!history.isDuplicate(messageId, properties.duplicateDetectionHistoryTimeWindowMs)) {
      this.host.journal?.duplicateRecorded(target, messageId, history.recorded.get(messageId) ?? this.now())
      return false
    }
    this.logger.debug("duplicate message dropped", { entity: target.name, messageId })
    return true
  }

  private duplicateHistory(target: SendTarget): DuplicateDetectionHistory {
    target.duplicateDetection ??= new DuplicateDetectionHistory(this.deadlines, this.now, (forgotten) =>
      this.logger.debug("duplicate detection window passed", { entity: target.name, forgotten }),
    )
    return target.duplicateDetection
  }

  /** Puts back message ids recorded before a restart (durable storage), oldest first. */
  restoreDuplicates(target: SendTarget, recorded: ReadonlyArray<readonly [string, number]>): void {
    const windowMs = target.config.properties.duplicateDetectionHistoryTimeWindowMs
    if (target.config.properties.requiresDuplicateDetection) this.duplicateHistory(target).restore(recorded, windowMs)
  }

  private enqueue(target: SendTarget, payload: Payload, hops: number, carried: Carried): void {
    target.enqueue(payload, target.sequence.next(), hops, carried)
  }

  private forward(targetName: string, payload: Payload, hops: number, carried: Carried): boolean {
    const ref = this.find(targetName)
    if (
      ref === undefined ||
      (ref.kind !== "queue" && ref.kind !== "topic") ||
      (ref.kind === "queue" && ref.deadLetter)
    ) {
      this.logger.warn("forwarding destination missing; the message is dead-lettered", { target: targetName })
      return false
    }
    const target = ref.kind === "queue" ? ref.queue : ref.topic
    if (!this.isDuplicate(target, payload)) this.enqueue(target, payload, hops, carried)
    return true
  }
}

const notFound = (path: string): BrokerError =>
  new BrokerError(
    "EntityNotFound",
    `The messaging entity '${path}' could not be found. To know more visit https://aka.ms/sbResourceMgrExceptions.`,
  )

export const storeOf = (ref: EntityRef, address: string): MessageStore => {
  if (ref.kind === "topic") {
    throw new BrokerError(
      "InvalidOperation",
      `Cannot receive from topic '${entityPathOf(address)}'; receive from one of its subscriptions ('<topic>/Subscriptions/<name>').`,
    )
  }
  const store = ref.kind === "queue" ? ref.queue.store : ref.subscription.store
  return ref.deadLetter ? (store.deadLetterQueue as MessageStore) : store
}
