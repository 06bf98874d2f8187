import { type SinkRecord, SinkWriteError } from "@haymaker/domain"
import { Effect } from "effect"
import { type FailMessagesOptions, type FailureKind, SinkFaults, sinkFailureKind } from "./SinkFaults.ts"

/** One non-empty call of `write`. */
export interface WriteAttempt {
  readonly messageIds: ReadonlyArray<string>
  readonly keys: ReadonlyArray<string>
  /** The message ids of the records that failed; empty when the write succeeded. */
  readonly failedMessageIds: ReadonlyArray<string>
  readonly failedKeys: ReadonlyArray<string>
}

/** What an in-memory sink holds, and the faults it is told to produce. */
export interface SinkRecorder {
  /** Every record the sink accepted, one entry per accepted copy in write order: a rewrite adds a copy. */
  readonly written: Effect.Effect<ReadonlyArray<SinkRecord>>
  /** The stored records, one per key (its first accepted copy), in first-write order. */
  readonly stored: Effect.Effect<ReadonlyArray<SinkRecord>>
  /** Every non-empty write call, with the ids that failed. */
  readonly writes: Effect.Effect<ReadonlyArray<WriteAttempt>>
  /** The next `count` non-empty writes fail as a whole. */
  readonly failNextWrites: (count: number, kind: FailureKind) => Effect.Effect<void>
  /** Records with these message ids fail (the rest of their batch lands) until cleared or `times` writes. */
  readonly failMessages: (
    messageIds: ReadonlyArray<string>,
    kind: FailureKind,
    options?: FailMessagesOptions,
  ) => Effect.Effect<void>
  /** Records with these keys fail (the rest of their batch lands) until cleared or `times` writes. */
  readonly failRecords: (
    keys: ReadonlyArray<string>,
    kind: FailureKind,
    options?: FailMessagesOptions,
  ) => Effect.Effect<void>
  readonly clearFaults: Effect.Effect<void>
  /**
   * From now on every write and every probe fails with this kind (`"unavailable"`: credentials revoked, the table
   * gone; `"transient"`: the service down), until called with `undefined`.
   */
  readonly setOutage: (kind: FailureKind | undefined) => Effect.Effect<void>
  /** How many probes the sink answered. */
  readonly probes: Effect.Effect<number>
}

const listIds = (ids: ReadonlyArray<string>): string =>
  ids.length > 10 ? `${ids.slice(0, 10).join(", ")} and ${ids.length - 10} more` : ids.join(", ")

/** A sink port implementation that keeps what it is given, and the recorder that inspects and steers it. */
export const makeRecordingSink = (
  sink: string,
): {
  readonly write: (records: ReadonlyArray<SinkRecord>) => Effect.Effect<void, SinkWriteError>
  readonly probe: Effect.Effect<void, SinkWriteError>
  readonly recorder: SinkRecorder
} => {
  const written: Array<SinkRecord> = []
  const stored = new Map<string, SinkRecord>()
  const writes: Array<WriteAttempt> = []
  const faults = new SinkFaults()
  let outage: FailureKind | undefined
  let probes = 0

  const outageError = (kind: FailureKind, failedKeys: ReadonlyArray<string>) =>
    new SinkWriteError({
      sink,
      failedKeys,
      kind: sinkFailureKind(kind),
      message: `${sink} (in memory): ${kind} as arranged by the test`,
    })

  const probe: Effect.Effect<void, SinkWriteError> = Effect.suspend(() => {
    probes++
    return outage === undefined ? Effect.void : Effect.fail(outageError(outage, []))
  })

  const write = (records: ReadonlyArray<SinkRecord>): Effect.Effect<void, SinkWriteError> =>
    Effect.suspend(() => {
      if (records.length === 0) return Effect.void
      if (outage !== undefined) {
        const keys = records.map((record) => record.key)
        writes.push({
          messageIds: records.map((record) => record.messageId),
          keys,
          failedMessageIds: records.map((record) => record.messageId),
          failedKeys: keys,
        })
        return Effect.fail(outageError(outage, keys))
      }
      const decision = faults.decide(records)
      const failed: ReadonlySet<string> = new Set(decision?.failedKeys ?? [])
      for (const record of records) {
        if (failed.has(record.key)) continue
        written.push(record)
        if (!stored.has(record.key)) stored.set(record.key, record)
      }
      const failedRecords = records.filter((record) => failed.has(record.key))
      writes.push({
        messageIds: records.map((record) => record.messageId),
        keys: records.map((record) => record.key),
        failedMessageIds: failedRecords.map((record) => record.messageId),
        failedKeys: [...failed],
      })
      if (decision === undefined) return Effect.void
      const total = new Set(records.map((record) => record.key)).size
      return Effect.fail(
        new SinkWriteError({
          sink,
          failedKeys: decision.failedKeys,
          kind: decision.kind,
          message: `${sink} (in memory): ${failed.size} of ${total} messages were not stored (sequence numbers ${listIds(decision.failedKeys)}): ${decision.kind} failure arranged by the test`,
        }),
      )
    })

  return {
    write,
    probe,
    recorder: {
      written: Effect.sync(() => [...written]),
      stored: Effect.sync(() => [...stored.values()]),
      writes: Effect.sync(() => [...writes]),
      failNextWrites: (count, kind) => Effect.sync(() => faults.failNextWrites(count, kind)),
      failMessages: (messageIds, kind, options) => Effect.sync(() => faults.failMessages(messageIds, kind, options)),
      failRecords: (keys, kind, options) => Effect.sync(() => faults.failRecords(keys, kind, options)),
      clearFaults: Effect.sync(() => faults.clear()),
      setOutage: (kind) =>
        Effect.sync(() => {
          outage = kind
        }),
      probes: Effect.sync(() => probes),
    },
  }
}
