import { BrokeredMessage } from "./BrokeredMessage.ts"
import type { TopicEntity } from "./entities.ts"

/**
 * A topic's scheduled messages wait at the topic until they fan out, so Service Bus shows them when the topic itself
 * is peeked (the SDKs document a receiver on the topic's name for that). Returns them from `fromSequenceNumber` on,
 * in sequence order, as scheduled messages.
 */
export const peekScheduledAtTopic = (
  topic: TopicEntity,
  fromSequenceNumber: number,
  count: number,
): Array<BrokeredMessage> =>
  [...topic.scheduled.entries()]
    .filter(([sequenceNumber]) => sequenceNumber >= fromSequenceNumber)
    .sort(([a], [b]) => a - b)
    .slice(0, count)
    .map(
      ([sequenceNumber, { payload, deadline }]) =>
        new BrokeredMessage(sequenceNumber, payload, deadline.at, Number.POSITIVE_INFINITY, "scheduled", 0),
    )
