import type { SinkFailureKind, SinkRecord } from "@haymaker/domain"

/**
 * A transient failure may pass on a later try (throttling, timeouts, 5xx); a permanent one will not (rejected data);
 * an unavailable sink refuses everything until the deployment is fixed (credentials, a missing table).
 */
export type FailureKind = "transient" | "permanent" | "unavailable"

/** The port's kind of a failure arranged by a test. */
export const sinkFailureKind = (kind: FailureKind): SinkFailureKind =>
  kind === "transient" ? "Transient" : kind === "permanent" ? "Rejected" : "Unavailable"

export interface FailMessagesOptions {
  /** The rule applies to this many write calls that carry a matching record, then expires. Default: until cleared. */
  readonly times?: number
}

interface WriteRule {
  remaining: number
  readonly kind: FailureKind
}

interface RecordRule extends WriteRule {
  readonly matches: (record: SinkRecord) => boolean
}

/** Which records of one write fail (by key), and how. */
export interface FaultDecision {
  readonly failedKeys: ReadonlyArray<string>
  readonly kind: SinkFailureKind
}

/**
 * The fault rules of a recording sink. A whole-write rule fails every record of the next writes; record rules fail
 * only the records they match (by message id or by key), so the other records of the batch land (as a real sink's
 * partial failure).
 */
export class SinkFaults {
  private readonly writeRules: Array<WriteRule> = []
  private readonly recordRules: Array<RecordRule> = []

  failNextWrites(count: number, kind: FailureKind): void {
    this.writeRules.push({ remaining: count, kind })
  }

  failMessages(messageIds: ReadonlyArray<string>, kind: FailureKind, options: FailMessagesOptions = {}): void {
    const ids = new Set(messageIds)
    this.failWhere((record) => ids.has(record.messageId), kind, options)
  }

  failRecords(keys: ReadonlyArray<string>, kind: FailureKind, options: FailMessagesOptions = {}): void {
    const wanted = new Set(keys)
    this.failWhere((record) => wanted.has(record.key), kind, options)
  }

  clear(): void {
    this.writeRules.length = 0
    this.recordRules.length = 0
  }

  /** Decides the failures of a non-empty write of these records, consuming one use of every rule that applied. */
  decide(records: ReadonlyArray<SinkRecord>): FaultDecision | undefined {
    this.expire()
    const writeRule = this.writeRules[0]
    if (writeRule !== undefined) {
      writeRule.remaining--
      return { failedKeys: [...new Set(records.map((record) => record.key))], kind: sinkFailureKind(writeRule.kind) }
    }
    const failed = new Set<string>()
    const kinds = new Set<SinkFailureKind>()
    for (const rule of this.recordRules) {
      const hits = records.filter(rule.matches)
      if (hits.length === 0) continue
      rule.remaining--
      for (const record of hits) failed.add(record.key)
      kinds.add(sinkFailureKind(rule.kind))
    }
    // Like the adapters: the kind that gives up least, so nothing retryable is dropped.
    const kind = kinds.has("Unavailable") ? "Unavailable" : kinds.has("Transient") ? "Transient" : "Rejected"
    return failed.size === 0 ? undefined : { failedKeys: [...failed], kind }
  }

  private failWhere(matches: (record: SinkRecord) => boolean, kind: FailureKind, options: FailMessagesOptions): void {
    this.recordRules.push({ matches, kind, remaining: options.times ?? Number.POSITIVE_INFINITY })
  }

  private expire(): void {
    for (const rules of [this.writeRules, this.recordRules] as const) {
      for (let i = rules.length - 1; i >= 0; i--) if ((rules[i]?.remaining ?? 0) <= 0) rules.splice(i, 1)
    }
  }
}
