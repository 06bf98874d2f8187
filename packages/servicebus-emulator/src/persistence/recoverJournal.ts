import { existsSync, readFileSync, truncateSync } from "node:fs"
import { type Broker, storeOf } from "../broker/Broker.ts"
import type { Payload } from "../broker/BrokeredMessage.ts"
import type { SendTarget } from "../broker/entities.ts"
import { SessionStore } from "../broker/sessions/SessionStore.ts"
import type { EmulatorConfig, QueueConfig, TopicConfig } from "../config/EmulatorConfig.ts"
import type { Logger } from "../log.ts"
import { parseCatalogJson, restoreTimes, type StoredQueue, type StoredTimes, type StoredTopic } from "./catalog.ts"
import type { PayloadCodec } from "./PayloadCodec.ts"
import {
  entityKinds,
  journalFormatVersion,
  type PutRecord,
  type RecordReader,
  readPut,
  recordType,
  scanRecords,
} from "./records.ts"

export class JournalFormatError extends Error {
  override readonly name = "JournalFormatError"
}

interface ScheduledAtTopic {
  readonly payloadId: number
  readonly enqueueAtMs: number
}

/** The state a journal file describes, replayed record by record (later records win). */
export interface JournalState {
  readonly queues: Map<string, StoredQueue>
  readonly topics: Map<string, StoredTopic>
  /** By "queue:name" / "topic:name" (lower-cased). */
  readonly sequences: Map<string, number>
  /** By store path (lower-cased), then sequence number. */
  readonly messages: Map<string, Map<number, PutRecord>>
  readonly payloads: Map<number, Buffer>
  /** By topic name (lower-cased), then sequence number. */
  readonly topicScheduled: Map<string, Map<number, ScheduledAtTopic>>
  /** By store path (lower-cased), then session id. */
  readonly sessionStates: Map<string, Map<string, Buffer>>
  /** Duplicate detection history by "queue:name" / "topic:name", then message id (in the order recorded). */
  readonly duplicates: Map<string, Map<string, number>>
  readonly records: number
}

const kindName = (kind: number): "queue" | "topic" => (kind === entityKinds.queue ? "queue" : "topic")

const emptyState = (): JournalState => ({
  queues: new Map(),
  topics: new Map(),
  sequences: new Map(),
  messages: new Map(),
  payloads: new Map(),
  topicScheduled: new Map(),
  sessionStates: new Map(),
  duplicates: new Map(),
  records: 0,
})

/** Drops what an entity held: its messages, scheduled messages and sequence numbers (a deleted entity). */
const forgetEntity = (state: JournalState, kind: "queue" | "topic", name: string): void => {
  const owned = (path: string) =>
    kind === "queue" ? path === name || path === `${name}/$deadletterqueue` : path.startsWith(`${name}/subscriptions/`)
  for (const path of state.messages.keys()) if (owned(path)) state.messages.delete(path)
  for (const path of state.sessionStates.keys()) if (owned(path)) state.sessionStates.delete(path)
  state.sequences.delete(`${kind}:${name}`)
  state.duplicates.delete(`${kind}:${name}`)
  if (kind === "topic") state.topicScheduled.delete(name)
}

const apply = (state: JournalState, stores: Map<number, string>, record: RecordReader): void => {
  switch (record.type) {
    case recordType.store:
      stores.set(record.u32(), record.string())
      return
    case recordType.payload:
      // A copy: a restored payload keeps its bytes, which must not pin the whole journal file in memory.
      state.payloads.set(record.u32(), Buffer.from(record.bytes()))
      return
    case recordType.put: {
      const put = readPut(record)
      const path = stores.get(put.storeId)
      if (path === undefined) return
      let messages = state.messages.get(path)
      if (messages === undefined) {
        messages = new Map()
        state.messages.set(path, messages)
      }
      messages.set(put.sequenceNumber, put)
      return
    }
    case recordType.remove: {
      const path = stores.get(record.u32())
      if (path !== undefined) state.messages.get(path)?.delete(record.f64())
      return
    }
    case recordType.topicScheduled: {
      const topic = record.string()
      const sequenceNumber = record.f64()
      let scheduled = state.topicScheduled.get(topic)
      if (scheduled === undefined) {
        scheduled = new Map()
        state.topicScheduled.set(topic, scheduled)
      }
      scheduled.set(sequenceNumber, { payloadId: record.u32(), enqueueAtMs: record.f64() })
      return
    }
    case recordType.sessionState: {
      const path = stores.get(record.u32())
      const sessionId = record.string()
      const value = record.optionalBytes()
      if (path === undefined) return
      let sessions = state.sessionStates.get(path)
      if (sessions === undefined) {
        sessions = new Map()
        state.sessionStates.set(path, sessions)
      }
      if (value === undefined) sessions.delete(sessionId)
      else sessions.set(sessionId, Buffer.from(value))
      return
    }
    case recordType.topicScheduleEnded:
      state.topicScheduled.get(record.string())?.delete(record.f64())
      return
    case recordType.duplicate: {
      const key = `${kindName(record.u8())}:${record.string()}`
      let recorded = state.duplicates.get(key)
      if (recorded === undefined) {
        recorded = new Map()
        state.duplicates.set(key, recorded)
      }
      recorded.set(record.string(), record.f64())
      return
    }
    case recordType.sequence: {
      const kind = kindName(record.u8())
      state.sequences.set(`${kind}:${record.string()}`, record.f64())
      return
    }
    case recordType.entity: {
      const kind = kindName(record.u8())
      const name = record.string()
      const json = record.string()
      if (kind === "queue") {
        state.queues.set(name, parseCatalogJson<StoredQueue>(json))
        return
      }
      const topic = parseCatalogJson<StoredTopic>(json)
      state.topics.set(name, topic)
      // A subscription the topic no longer has leaves nothing behind for one created later under its name.
      const current = new Set(topic.config.subscriptions.map((s) => `${name}/subscriptions/${s.name.toLowerCase()}`))
      const gone = (path: string) =>
        path.startsWith(`${name}/subscriptions/`) && !current.has(path.replace(/\/\$deadletterqueue$/, ""))
      for (const path of state.messages.keys()) if (gone(path)) state.messages.delete(path)
      for (const path of state.sessionStates.keys()) if (gone(path)) state.sessionStates.delete(path)
      return
    }
    case recordType.entityDeleted: {
      const kind = kindName(record.u8())
      const name = record.string()
      if (kind === "queue") state.queues.delete(name)
      else state.topics.delete(name)
      forgetEntity(state, kind, name)
      return
    }
  }
}

/**
 * Reads a journal file. A torn or corrupt tail (the emulator was killed in the middle of a write, or the machine
 * lost power under the "never" fsync policy) is cut off: everything before it is kept.
 */
export const readJournal = (path: string, logger: Logger): JournalState => {
  if (!existsSync(path)) return emptyState()
  const file = readFileSync(path)
  const { records, validBytes } = scanRecords(file)
  // Every journal starts with a format record written by a synced snapshot: without it, this is not (or no longer)
  // a journal, and cutting it off would throw away what it holds.
  const first = records[0]
  const version = first?.type === recordType.format ? first.u32() : undefined
  if (file.length > 0 && version !== journalFormatVersion) {
    throw new JournalFormatError(
      `${path} is not a journal this emulator can read (format ${version ?? "unknown"}, expected ${journalFormatVersion}); move it away or use another data directory.`,
    )
  }
  if (validBytes < file.length) {
    logger.warn("journal tail cut off (incomplete or corrupt last write)", {
      path,
      keptBytes: validBytes,
      droppedBytes: file.length - validBytes,
    })
    truncateSync(path, validBytes)
  }
  const state = { ...emptyState(), records: records.length }
  const stores = new Map<number, string>()
  for (const record of records) apply(state, stores, record)
  return state
}

/**
 * The configuration to start from: the stored entities (as they were last, changes through the management API
 * included), plus the Config.json entities the data directory does not have yet.
 */
export const mergeConfig = (config: EmulatorConfig, state: JournalState): EmulatorConfig => {
  const names = new Set([...state.queues.keys(), ...state.topics.keys()])
  const queues: Array<QueueConfig> = [...state.queues.values()].map((stored) => stored.config)
  const topics: Array<TopicConfig> = [...state.topics.values()].map((stored) => stored.config)
  for (const queue of config.namespace.queues) if (!names.has(queue.name.toLowerCase())) queues.push(queue)
  for (const topic of config.namespace.topics) if (!names.has(topic.name.toLowerCase())) topics.push(topic)
  return { ...config, namespace: { ...config.namespace, queues, topics } }
}

export interface RestoredCounts {
  readonly messages: number
  readonly sessionStates: number
  readonly scheduledAtTopics: number
}

/** Puts the stored messages, times and sequence numbers into a broker built from `mergeConfig`. */
export const restoreState = (
  broker: Broker,
  state: JournalState,
  codec: PayloadCodec,
  logger: Logger,
): RestoredCounts => {
  const payloads = new Map<number, Payload>()
  const payload = (id: number): Payload | undefined => {
    let decoded = payloads.get(id)
    if (decoded === undefined) {
      const bytes = state.payloads.get(id)
      if (bytes === undefined) return undefined
      decoded = codec.decode(bytes)
      payloads.set(id, decoded)
    }
    return decoded
  }
  // What queues and topics both keep: their times, sequence numbers and duplicate detection history.
  const restoreSendTarget = (target: SendTarget, key: string, times: StoredTimes) => {
    restoreTimes(target, times)
    target.sequence.restore(state.sequences.get(key) ?? 0)
    broker.restoreDuplicates(target, [...(state.duplicates.get(key) ?? [])])
  }
  for (const [name, stored] of state.queues) {
    const queue = broker.queues.get(name)
    if (queue !== undefined) restoreSendTarget(queue, `queue:${name}`, stored.times)
  }
  for (const [name, stored] of state.topics) {
    const topic = broker.topics.get(name)
    if (topic === undefined) continue
    restoreSendTarget(topic, `topic:${name}`, stored.times)
    for (const [subscriptionName, times] of Object.entries(stored.subscriptionTimes)) {
      const subscription = topic.subscriptions.get(subscriptionName)
      if (subscription !== undefined) restoreTimes(subscription, times)
    }
  }
  let messages = 0
  for (const [path, stored] of state.messages) {
    const ref = broker.find(path)
    if (ref === undefined || ref.kind === "topic") {
      logger.warn("stored messages of an unknown entity skipped", { path, messages: stored.size })
      continue
    }
    const store = storeOf(ref, path)
    for (const put of [...stored.values()].sort((a, b) => a.sequenceNumber - b.sequenceNumber)) {
      const restored = payload(put.payloadId)
      if (restored === undefined) {
        logger.error("stored message without its payload skipped", { path, sequenceNumber: put.sequenceNumber })
        continue
      }
      store.restore({
        sequenceNumber: put.sequenceNumber,
        payload: restored,
        enqueuedTimeMs: put.enqueuedTimeMs,
        expiresAtMs: put.expiresAtMs,
        deliveryCount: put.deliveryCount,
        state: put.state,
        hops: put.hops,
        deadLetterSource: put.deadLetterSource,
        propertyOverrides:
          put.propertyOverrides === undefined ? undefined : codec.decodeProperties(put.propertyOverrides as Buffer),
      })
      messages++
    }
  }
  let sessionStates = 0
  for (const [path, sessions] of state.sessionStates) {
    const ref = broker.find(path)
    const store = ref === undefined || ref.kind === "topic" ? undefined : storeOf(ref, path)
    if (!(store instanceof SessionStore)) continue
    for (const [sessionId, value] of sessions) {
      store.restoreSessionState(sessionId, value)
      sessionStates++
    }
  }
  let scheduledAtTopics = 0
  for (const [name, scheduled] of state.topicScheduled) {
    const topic = broker.topics.get(name)
    if (topic === undefined) continue
    for (const [sequenceNumber, entry] of scheduled) {
      const restored = payload(entry.payloadId)
      if (restored === undefined) continue
      topic.schedule(restored, sequenceNumber, entry.enqueueAtMs)
      scheduledAtTopics++
    }
  }
  return { messages, sessionStates, scheduledAtTopics }
}
