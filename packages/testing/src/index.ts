export { InMemoryBus, type InMemoryBusOptions, type SendOptions } from "./bus/InMemoryBus.ts"
export {
  type DeadLetteredMessage,
  type EnqueuedMessage,
  MAX_DELIVERY_COUNT_EXCEEDED,
} from "./bus/PeekLockQueue.ts"
export {
  allDeadLetters,
  type DeadLetterQueueContractOptions,
  deadLetterQueueContract,
} from "./contracts/bus/deadLetterQueueContract.ts"
export { type EventBusContractOptions, eventBusContract } from "./contracts/bus/eventBusContract.ts"
export {
  type SettlementAccountingOptions,
  settlementAccountingContract,
} from "./contracts/bus/settlementAccounting.ts"
export { type ContractContext, DEFAULT_CONTRACT_WAIT } from "./contracts/ContractTest.ts"
export { inMemoryArchiveProbe, inMemoryLogAnalyticsProbe } from "./contracts/inMemoryProbes.ts"
export { ProbeError } from "./contracts/ProbeError.ts"
export { SinkFaultInjection, SinkProbe, type StoredRecord } from "./contracts/SinkProbe.ts"
export {
  archiveSinkContract,
  logAnalyticsSinkContract,
  type SinkContractOptions,
} from "./contracts/sinks/sinkContract.ts"
export { agentEvent, runIdOf } from "./fixtures/agentEvent.ts"
export {
  badTimestamp,
  type EventScope,
  type ExpectedDecodeError,
  type InvalidEventCase,
  type InvalidEventKind,
  invalidEvent,
  invalidJsonText,
  missingRequiredField,
  notAnObject,
  wrongFieldType,
} from "./fixtures/arbitraries/invalidEvents.ts"
export {
  canonicalTimestamp,
  type IsoTimestamp,
  invalidTimestampText,
  isoTimestamp,
} from "./fixtures/arbitraries/timestamps.ts"
export {
  agentLogEventJson,
  anyAgentLogEventJson,
  anyEventJson,
  anyResourceEventJson,
  type EventArbitraryOptions,
  eventJsonOfType,
  resourceEventJson,
  unknownEventJson,
} from "./fixtures/arbitraries/validEvents.ts"
export { type BodyForm, toMessageBody } from "./fixtures/messageBody.ts"
export * from "./fixtures/sampleEvents.ts"
export { type SinkRecordOptions, sinkRecord } from "./fixtures/sinkRecord.ts"
export { InMemoryArchive } from "./sinks/InMemoryArchiveSink.ts"
export { InMemoryLogAnalytics } from "./sinks/InMemoryLogAnalyticsSink.ts"
export type { SinkRecorder, WriteAttempt } from "./sinks/RecordingSink.ts"
export type { FailMessagesOptions, FailureKind } from "./sinks/SinkFaults.ts"
