import type { QueueEntity, SubscriptionEntity, TopicEntity } from "../broker/entities.ts"
import type { QueueConfig, RuleConfig, SubscriptionConfig, TopicConfig } from "../config/EmulatorConfig.ts"

/** When an entity was created and last updated, kept with its definition. */
export interface StoredTimes {
  readonly createdAtMs: number
  readonly updatedAtMs: number
}

export interface StoredQueue {
  readonly config: QueueConfig
  readonly times: StoredTimes
}

export interface StoredTopic {
  /** With the subscriptions and rules the topic has now (not those it was configured with). */
  readonly config: TopicConfig
  readonly times: StoredTimes
  /** By subscription name, lower-cased. */
  readonly subscriptionTimes: Readonly<Record<string, StoredTimes>>
}

const timesOf = (entity: { readonly times: StoredTimes }): StoredTimes => ({
  createdAtMs: entity.times.createdAtMs,
  updatedAtMs: entity.times.updatedAtMs,
})

const rulesOf = (subscription: SubscriptionEntity): Array<RuleConfig> =>
  [...subscription.rules.values()].map((rule) => rule.config)

export const describeQueue = (queue: QueueEntity): StoredQueue => ({ config: queue.config, times: timesOf(queue) })

export const describeTopic = (topic: TopicEntity): StoredTopic => {
  const subscriptions: Array<SubscriptionConfig> = []
  const subscriptionTimes: Record<string, StoredTimes> = {}
  for (const subscription of topic.subscriptions.values()) {
    subscriptions.push({ ...subscription.config, rules: rulesOf(subscription) })
    subscriptionTimes[subscription.name.toLowerCase()] = timesOf(subscription)
  }
  return { config: { ...topic.config, subscriptions }, times: timesOf(topic), subscriptionTimes }
}

// JSON has no Infinity ("never" time to live) and no bigint (Int64 rule parameters): both get a tagged object.
const infinityTag = "$infinity"
const bigintTag = "$bigint"

export const catalogJson = (value: StoredQueue | StoredTopic): string =>
  JSON.stringify(value, (_key, v: unknown) => {
    if (v === Number.POSITIVE_INFINITY) return { [infinityTag]: 1 }
    if (v === Number.NEGATIVE_INFINITY) return { [infinityTag]: -1 }
    if (typeof v === "bigint") return { [bigintTag]: v.toString() }
    return v
  })

export const parseCatalogJson = <A>(text: string): A =>
  JSON.parse(text, (_key, v: unknown) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return v
    const keys = Object.keys(v)
    if (keys.length !== 1) return v
    const record = v as Record<string, unknown>
    if (keys[0] === infinityTag) return record[infinityTag] === -1 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY
    if (keys[0] === bigintTag) return BigInt(String(record[bigintTag]))
    return v
  }) as A

/** Restores creation and update times, which the broker sets to "now" when it builds an entity. */
export const restoreTimes = (
  entity: { readonly times: { createdAtMs: number; updatedAtMs: number } },
  times: StoredTimes,
) => {
  entity.times.createdAtMs = times.createdAtMs
  entity.times.updatedAtMs = times.updatedAtMs
}
