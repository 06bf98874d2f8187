import { closeSync, fdatasync, fsyncSync, openSync, renameSync, writeSync, writevSync } from "node:fs"
import { dirname } from "node:path"
import type { Broker } from "../broker/Broker.ts"
import type { BrokeredMessage, Payload } from "../broker/BrokeredMessage.ts"
import type { BrokerJournal } from "../broker/BrokerJournal.ts"
import type { SendTarget, SendTargetEntity, TopicEntity } from "../broker/entities.ts"
import type { MessageStore } from "../broker/MessageStore.ts"
import { SessionStore } from "../broker/sessions/SessionStore.ts"
import type { Logger } from "../log.ts"
import { catalogJson, describeQueue, describeTopic } from "./catalog.ts"
import type { PayloadCodec } from "./PayloadCodec.ts"
import { entityKinds, journalFormatVersion, RecordWriter, recordType, writePut } from "./records.ts"

/**
 * - "always": the journal is written and `fdatasync`ed before a send is acknowledged (group commit: one write and
 *   one sync for everything that happened in an event-loop turn). Acknowledged messages survive a crash of the
 *   emulator and of the machine.
 * - "never": written (to the OS) before a send is acknowledged, never synced. Acknowledged messages survive a
 *   crash or `kill -9` of the emulator, not a power loss or kernel crash.
 */
export type FsyncPolicy = "always" | "never"

export interface DurableJournalOptions {
  readonly path: string
  readonly fsync: FsyncPolicy
  readonly codec: PayloadCodec
  readonly logger: Logger
  /** The journal is compacted into a snapshot once it is this large (and twice its last snapshot). */
  readonly compactAtBytes: number
}

interface Waiter {
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

const entityKind = (entity: SendTargetEntity): number =>
  entity.kind === "queue" ? entityKinds.queue : entityKinds.topic

const writeFully = (fd: number, buffers: ReadonlyArray<Buffer>): void => {
  let pending = buffers
  while (pending.length > 0) {
    let rest = writevSync(fd, pending as Array<Buffer>)
    const remaining: Array<Buffer> = []
    for (const buffer of pending) {
      if (rest >= buffer.length) rest -= buffer.length
      else {
        remaining.push(rest > 0 ? buffer.subarray(rest) : buffer)
        rest = 0
      }
    }
    pending = remaining
  }
}

const syncDirectory = (path: string): void => {
  const fd = openSync(dirname(path), "r")
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/**
 * The broker's append-only journal. Changes are encoded as they happen; once per event-loop turn the batch is
 * written with one `writev` (and synced with one `fdatasync` under the "always" policy, while the next batch
 * accumulates).
 * Once the file has grown past the threshold it is replaced by a snapshot of the broker's state (written to a new
 * file, synced, renamed over the journal), so it never grows without bound.
 */
export class DurableJournal implements BrokerJournal {
  private readonly options: DurableJournalOptions
  private broker: Broker | undefined
  private fd = -1
  private fileBytes = 0
  private compactAt: number
  private writer = new RecordWriter()
  private storeIds = new WeakMap<MessageStore, number>()
  private payloadIds = new WeakMap<Payload, number>()
  private nextStoreId = 1
  private nextPayloadId = 1
  private waiting: Array<Waiter> = []
  private inFlight: Promise<void> | undefined
  private flushQueued = false
  private closed = false

  constructor(options: DurableJournalOptions) {
    this.options = options
    this.compactAt = options.compactAtBytes
  }

  /** Starts the journal with a snapshot of `broker` (the state just restored) and records its changes from now on. */
  start(broker: Broker): void {
    this.broker = broker
    this.writeSnapshot()
    broker.attachJournal(this)
  }

  messagePut(store: MessageStore, message: BrokeredMessage): void {
    const storeId = this.storeId(store)
    const payloadId = this.payloadId(message.payload)
    writePut(this.writer, {
      storeId,
      sequenceNumber: message.sequenceNumber,
      payloadId,
      enqueuedTimeMs: message.enqueuedTimeMs,
      expiresAtMs: message.expiresAtMs,
      deliveryCount: message.deliveryCount,
      state: message.state,
      hops: message.hops,
      deadLetterSource: message.deadLetterSource,
      propertyOverrides:
        message.propertyOverrides === undefined
          ? undefined
          : this.options.codec.encodeProperties(message.propertyOverrides),
    })
    this.queueFlush()
  }

  messageRemoved(store: MessageStore, message: BrokeredMessage): void {
    const storeId = this.storeIds.get(store)
    if (storeId === undefined) return
    this.writer.begin(recordType.remove).u32(storeId).f64(message.sequenceNumber).end()
    this.queueFlush()
  }

  sessionStateChanged(store: MessageStore, sessionId: string, state: Buffer | undefined): void {
    const storeId = this.storeId(store)
    this.writer.begin(recordType.sessionState).u32(storeId).string(sessionId).optionalBytes(state).end()
    this.queueFlush()
  }

  topicScheduled(topic: TopicEntity, sequenceNumber: number, payload: Payload, enqueueAtMs: number): void {
    const payloadId = this.payloadId(payload)
    this.writer
      .begin(recordType.topicScheduled)
      .string(topic.name.toLowerCase())
      .f64(sequenceNumber)
      .u32(payloadId)
      .f64(enqueueAtMs)
      .end()
    this.queueFlush()
  }

  topicScheduleEnded(topic: TopicEntity, sequenceNumber: number): void {
    this.writer.begin(recordType.topicScheduleEnded).string(topic.name.toLowerCase()).f64(sequenceNumber).end()
    this.queueFlush()
  }

  duplicateRecorded(entity: SendTargetEntity, messageId: string, atMs: number): void {
    this.writer
      .begin(recordType.duplicate)
      .u8(entityKind(entity))
      .string(entity.name.toLowerCase())
      .string(messageId)
      .f64(atMs)
      .end()
    this.queueFlush()
  }

  sequenceReserved(entity: SendTargetEntity, upTo: number): void {
    this.writer.begin(recordType.sequence).u8(entityKind(entity)).string(entity.name.toLowerCase()).f64(upTo).end()
    this.queueFlush()
  }

  entityChanged(entity: SendTarget): void {
    this.writeEntity(this.writer, entity)
    this.queueFlush()
  }

  entityDeleted(entity: SendTargetEntity): void {
    this.writer.begin(recordType.entityDeleted).u8(entityKind(entity)).string(entity.name.toLowerCase()).end()
    this.queueFlush()
  }

  /**
   * Resolves once everything recorded so far is on disk (under the fsync policy); undefined when it already is.
   * Sends are acknowledged only then.
   */
  whenDurable(): Promise<void> | undefined {
    if (this.writer.size > 0 || this.waiting.length > 0) {
      return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }))
    }
    return this.inFlight
  }

  /** Writes what is pending and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return
    await this.inFlight
    if (this.writer.size > 0 || this.waiting.length > 0) {
      this.flush()
      await this.inFlight
    }
    this.closed = true
    this.broker?.attachJournal(undefined)
    if (this.fd >= 0) {
      fsyncSync(this.fd)
      closeSync(this.fd)
      this.fd = -1
    }
  }

  private queueFlush(): void {
    if (this.flushQueued || this.closed) return
    this.flushQueued = true
    setImmediate(() => {
      this.flushQueued = false
      this.flush()
    })
  }

  /**
   * Writes the pending records in place (a write to the page cache takes microseconds, far less than a trip through
   * libuv's thread pool on a busy machine); under "always" the sync then runs in the background while the next batch
   * accumulates, and the waiters are answered when it completes.
   */
  private flush(): void {
    if (this.inFlight !== undefined) return
    if (this.writer.size === 0 && this.waiting.length === 0) return
    if (this.fileBytes >= this.compactAt) {
      this.compact()
      return
    }
    const buffers = this.writer.take()
    const waiters = this.waiting.splice(0)
    let bytes = 0
    for (const buffer of buffers) bytes += buffer.length
    try {
      writeFully(this.fd, buffers)
      this.fileBytes += bytes
    } catch (error) {
      this.options.logger.error("journal write failed", { error })
      for (const waiter of waiters) waiter.reject(error)
      return
    }
    if (this.options.fsync === "never") {
      for (const waiter of waiters) waiter.resolve()
      return
    }
    this.inFlight = new Promise<void>((resolve) => {
      fdatasync(this.fd, (error) => {
        this.inFlight = undefined
        if (error === null) for (const waiter of waiters) waiter.resolve()
        else {
          this.options.logger.error("journal sync failed", { error })
          for (const waiter of waiters) waiter.reject(error)
        }
        resolve()
        if (this.writer.size > 0 || this.waiting.length > 0) this.flush()
      })
    })
  }

  /** The snapshot holds everything in memory, the changes still pending included: they are dropped, not written. */
  private compact(): void {
    const waiters = this.waiting.splice(0)
    this.writer.discard()
    const startedAt = Date.now()
    try {
      this.writeSnapshot()
      for (const waiter of waiters) waiter.resolve()
      this.options.logger.info("journal compacted", { bytes: this.fileBytes, ms: Date.now() - startedAt })
    } catch (error) {
      this.options.logger.error("journal compaction failed", { error })
      for (const waiter of waiters) waiter.reject(error)
    }
  }

  /** Replaces the journal with the broker's state: written to a new file, synced, then renamed over the old one. */
  private writeSnapshot(): void {
    const broker = this.broker as Broker
    this.storeIds = new WeakMap()
    this.payloadIds = new WeakMap()
    this.nextStoreId = 1
    this.nextPayloadId = 1
    const snapshot = new RecordWriter()
    snapshot.begin(recordType.format).u32(journalFormatVersion).end()
    const live = this.writer
    // Snapshot records go through the same encoders as live ones.
    this.writer = snapshot
    try {
      for (const queue of broker.queues.values()) {
        this.writeSendTarget(snapshot, queue)
        this.writeStore(queue.store)
      }
      for (const topic of broker.topics.values()) {
        this.writeSendTarget(snapshot, topic)
        for (const subscription of topic.subscriptions.values()) this.writeStore(subscription.store)
        for (const [sequenceNumber, entry] of topic.scheduled) {
          this.topicScheduled(topic, sequenceNumber, entry.payload, entry.deadline.at)
        }
      }
    } finally {
      this.writer = live
    }
    const temporary = `${this.options.path}.next`
    const fd = openSync(temporary, "w")
    let bytes = 0
    try {
      for (const buffer of snapshot.take()) {
        let offset = 0
        while (offset < buffer.length) offset += writeSync(fd, buffer, offset)
        bytes += buffer.length
      }
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temporary, this.options.path)
    syncDirectory(this.options.path)
    if (this.fd >= 0) closeSync(this.fd)
    this.fd = openSync(this.options.path, "a")
    this.fileBytes = bytes
    this.compactAt = Math.max(this.options.compactAtBytes, 2 * bytes)
  }

  /** What queues and topics both keep: their definition, sequence numbers and duplicate detection history. */
  private writeSendTarget(writer: RecordWriter, entity: SendTarget): void {
    this.writeEntity(writer, entity)
    this.sequenceReserved(entity, entity.sequence.highWater)
    for (const [messageId, atMs] of entity.duplicateDetection?.recorded ?? []) {
      this.duplicateRecorded(entity, messageId, atMs)
    }
  }

  private writeStore(store: MessageStore): void {
    for (const message of store.storedMessages()) this.messagePut(store, message)
    if (store instanceof SessionStore) {
      for (const [sessionId, state] of store.sessionStates()) this.sessionStateChanged(store, sessionId, state)
    }
    if (store.deadLetterQueue !== undefined) this.writeStore(store.deadLetterQueue)
  }

  private writeEntity(writer: RecordWriter, entity: SendTarget): void {
    const json = catalogJson(entity.kind === "queue" ? describeQueue(entity) : describeTopic(entity))
    writer.begin(recordType.entity).u8(entityKind(entity)).string(entity.name.toLowerCase()).string(json).end()
  }

  private storeId(store: MessageStore): number {
    let id = this.storeIds.get(store)
    if (id === undefined) {
      id = this.nextStoreId++
      this.storeIds.set(store, id)
      this.writer.begin(recordType.store).u32(id).string(store.path.toLowerCase()).end()
    }
    return id
  }

  private payloadId(payload: Payload): number {
    let id = this.payloadIds.get(payload)
    if (id === undefined) {
      id = this.nextPayloadId++
      this.payloadIds.set(payload, id)
      this.writer.begin(recordType.payload).u32(id).concatenated(this.options.codec.encode(payload)).end()
    }
    return id
  }
}
