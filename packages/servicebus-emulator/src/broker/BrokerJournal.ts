import type { BrokeredMessage, Payload } from "./BrokeredMessage.ts"
import type { SendTarget, SendTargetEntity, TopicEntity } from "./entities.ts"
import type { MessageStore } from "./MessageStore.ts"

/**
 * What the broker reports to durable storage (`--data-dir`): every change of state that must survive a restart.
 * Calls happen synchronously, after the change; the journal decides when it reaches the disk.
 */
export interface BrokerJournal {
  /** A message entered a store, or its delivery count, state, properties or times changed. */
  messagePut(store: MessageStore, message: BrokeredMessage): void
  messageRemoved(store: MessageStore, message: BrokeredMessage): void
  /** A session's state was set (or cleared: `state` undefined) on a session-enabled queue or subscription. */
  sessionStateChanged(store: MessageStore, sessionId: string, state: Buffer | undefined): void
  /** A message scheduled on a topic waits at the topic until it fans out. */
  topicScheduled(topic: TopicEntity, sequenceNumber: number, payload: Payload, enqueueAtMs: number): void
  topicScheduleEnded(topic: TopicEntity, sequenceNumber: number): void
  /** A message id entered the duplicate detection history of a queue or topic (RequiresDuplicateDetection). */
  duplicateRecorded(entity: SendTargetEntity, messageId: string, atMs: number): void
  /** The entity will hand out sequence numbers up to `upTo` before reporting again. */
  sequenceReserved(entity: SendTargetEntity, upTo: number): void
  /** Created, reconfigured, or (topics) a subscription or rule added, changed or removed. */
  entityChanged(entity: SendTarget): void
  entityDeleted(entity: SendTargetEntity): void
  /** Resolves once every change reported so far is stored; undefined when nothing is pending. */
  whenDurable(): Promise<void> | undefined
}
