export { type BodyForm, InMemoryBus, type InMemoryBusOptions, type SendOptions } from "./bus/InMemoryBus.ts"
export {
  type DeadLetteredMessage,
  type EnqueuedMessage,
  MAX_DELIVERY_COUNT_EXCEEDED,
} from "./bus/PeekLockQueue.ts"
export { agentEvent, runIdOf } from "./fixtures/agentEvent.ts"
export { type SinkRecordOptions, sinkRecord } from "./fixtures/sinkRecord.ts"
export { InMemoryArchive } from "./sinks/InMemoryArchiveSink.ts"
export { InMemoryLogAnalytics } from "./sinks/InMemoryLogAnalyticsSink.ts"
export type { SinkRecorder, WriteAttempt } from "./sinks/RecordingSink.ts"
export type { FailMessagesOptions, FailureKind } from "./sinks/SinkFaults.ts"
