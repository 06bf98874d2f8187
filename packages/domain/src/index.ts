export { type BodyType, type DecodeLimits, type DecodeOptions, defaultDecodeLimits } from "./DecodeLimits.ts"
export { durationConfig } from "./DurationConfig.ts"
export { decodeMessageBody, parseMessageJson } from "./decodeMessageBody.ts"
export {
  AgentEvent,
  type AgentEventJson,
  decodeAgentEvent,
  encodeAgentEvent,
  eventTypeOf,
  timestampOf,
} from "./events/AgentEvent.ts"
export {
  AgentError,
  type AgentLogEvent,
  type AgentLogEventJson,
  AgentOperation,
  AgentStarted,
  CleanupComplete,
  isAgentLogEvent,
  Severity,
} from "./events/AgentLogEvent.ts"
export {
  type AgentLogEventType,
  agentLogEventTypes,
  isKnownEventType,
  isResourceEventType,
  type KnownEventType,
  knownEventTypes,
  type ResourceEventType,
  resourceEventTypes,
} from "./events/EventType.ts"
export {
  isResourceEvent,
  ResourceCreated,
  ResourceDeleted,
  ResourceDeletionFailed,
  type ResourceEvent,
  type ResourceEventJson,
} from "./events/ResourceEvent.ts"
export { makeUnknownEvent, UnknownEvent } from "./events/UnknownEvent.ts"
export { JsonObject } from "./JsonObject.ts"
export { layerFromConfig } from "./layerFromConfig.ts"
// The decode errors (each a dead-letter reason), their tags, and the JSON type names their messages use.
export * from "./MessageDecodeError.ts"
export { NonNegativeInt } from "./NonNegativeInt.ts"
export {
  type ParseOptions,
  type ParseResult,
  parseResourceEvents,
  parseResourceEventsDetailed,
  parseResourceEventsEffect,
  type SkippedEntry,
  type SkipReason,
} from "./parseResourceEvents.ts"
export {
  type ArchivedEvent,
  type ArchiveEntry,
  type ArchiveQuery,
  ArchiveReadError,
  ArchiveReadErrorReason,
  ArchiveReader,
  type UnreadableLine,
} from "./ports/ArchiveReader.ts"
export { ArchiveSink } from "./ports/ArchiveSink.ts"
export { defaultSubscriptionName, defaultTopicName } from "./ports/BusEntityNames.ts"
export { type BusErrorReason, busErrorReasons } from "./ports/BusErrorReason.ts"
export { DeadLetterLog, type DeadLetterRecord } from "./ports/DeadLetterLog.ts"
export {
  type DeadLetter,
  DeadLetterQueue,
  DeadLetterQueueError,
  DeadLetterQueueErrorReason,
} from "./ports/DeadLetterQueue.ts"
export { EventPublisher, PublishError, PublishErrorReason } from "./ports/EventPublisher.ts"
export {
  EventSubscription,
  type ReceivedMessage,
  SettlementError,
  SettlementErrorReason,
  SubscriptionError,
  SubscriptionErrorReason,
} from "./ports/EventSubscription.ts"
export { LogAnalyticsSink } from "./ports/LogAnalyticsSink.ts"
export { Settlement, type SettlementKind } from "./ports/Settlement.ts"
export { type SinkRecord, sinkRecordKey } from "./ports/SinkRecord.ts"
export { SinkFailureKind, SinkWriteError } from "./ports/SinkWriteError.ts"
export { Resource, type ResourceInput, ResourceStatus } from "./Resource.ts"
export * as ResourceLedger from "./ResourceLedger.ts"
export { decodeResourceRecord, encodeResource, ResourceRecord, type ResourceRecordJson } from "./ResourceRecord.ts"
export * as LeakReport from "./report/LeakReport.ts"
export * as ResourceHistory from "./report/ResourceHistory.ts"
export { resourceFromEvent } from "./resourceFromEvent.ts"
export { Tags } from "./Tags.ts"
export { formatTimestamp, parseIsoTimestamp, parseTimestamp, Timestamp } from "./Timestamp.ts"
