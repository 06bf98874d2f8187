/** A transient failure may pass on a later try (throttling, timeouts, 5xx); a permanent one will not (rejected data). */
export type FailureKind = "transient" | "permanent"

export interface FailMessagesOptions {
  /** The rule applies to this many write calls that carry one of the ids, then expires. Default: until cleared. */
  readonly times?: number
}

interface WriteRule {
  remaining: number
  readonly kind: FailureKind
}

interface MessageRule extends WriteRule {
  readonly messageIds: ReadonlySet<string>
}

/** Which records of one write fail, and how. */
export interface FaultDecision {
  readonly failed: ReadonlyArray<string>
  readonly transient: boolean
}

/**
 * The fault rules of a recording sink. A whole-write rule fails every record of the next writes; message rules fail
 * only the records carrying their ids, so the other records of the batch land (as a real sink's partial failure).
 */
export class SinkFaults {
  private readonly writeRules: Array<WriteRule> = []
  private readonly messageRules: Array<MessageRule> = []

  failNextWrites(count: number, kind: FailureKind): void {
    this.writeRules.push({ remaining: count, kind })
  }

  failMessages(messageIds: ReadonlyArray<string>, kind: FailureKind, options: FailMessagesOptions = {}): void {
    this.messageRules.push({
      messageIds: new Set(messageIds),
      kind,
      remaining: options.times ?? Number.POSITIVE_INFINITY,
    })
  }

  clear(): void {
    this.writeRules.length = 0
    this.messageRules.length = 0
  }

  /** Decides the failures of a non-empty write of these ids, consuming one use of every rule that applied. */
  decide(messageIds: ReadonlyArray<string>): FaultDecision | undefined {
    this.expire()
    const writeRule = this.writeRules[0]
    if (writeRule !== undefined) {
      writeRule.remaining--
      return { failed: [...new Set(messageIds)], transient: writeRule.kind === "transient" }
    }
    const failed = new Set<string>()
    let transient = false
    for (const rule of this.messageRules) {
      const hits = messageIds.filter((id) => rule.messageIds.has(id))
      if (hits.length === 0) continue
      rule.remaining--
      for (const id of hits) failed.add(id)
      // Like the adapters: the error is transient unless every failure is permanent, so nothing retryable is dropped.
      if (rule.kind === "transient") transient = true
    }
    return failed.size === 0 ? undefined : { failed: [...failed], transient }
  }

  private expire(): void {
    for (const rules of [this.writeRules, this.messageRules] as const) {
      for (let i = rules.length - 1; i >= 0; i--) if ((rules[i]?.remaining ?? 0) <= 0) rules.splice(i, 1)
    }
  }
}
