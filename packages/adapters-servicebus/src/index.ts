// Effect layers implementing the domain's bus ports.

// The seed's `parse_resource_events`, from the domain.
export { parseResourceEvents } from "@haymaker/domain"
export { loggerName } from "./Logging.ts"
export { deriveMessageId, type PublishOptions, toServiceBusMessage, type WireEvent } from "./MessageEncoding.ts"
export { renderMessageId } from "./MessageId.ts"
// The seed-compatible Promise API.
export { EventBusClient, type EventBusClientOptions } from "./promise/EventBusClient.ts"
export type { CallerOptions } from "./promise/PromiseRuntime.ts"
export { closeAll, type PublishEventOptions, publishEvent } from "./promise/publishEvent.ts"
export { type AgentLogCallback, type SubscribeOptions, subscribeToAgentLogs } from "./promise/subscribeToAgentLogs.ts"
export { defaultWatchdog, type WatchdogSettings } from "./ReceiverWatchdog.ts"
export {
  connectionConfig,
  connectionString,
  defaultRetry,
  namespace,
  ServiceBusConfigInvalid,
  type ServiceBusConnection,
  type ServiceBusRetry,
  subscriptionNameConfig,
  topicNameConfig,
} from "./ServiceBusConnection.ts"
export * as ServiceBusDeadLetterQueue from "./ServiceBusDeadLetterQueue.ts"
export {
  EventTooLarge,
  type ServiceBusAdapterError,
  ServiceBusClientClosed,
  ServiceBusConnectionRefused,
  ServiceBusEntityNotFound,
  ServiceBusOperationFailed,
  ServiceBusUnauthorized,
} from "./ServiceBusErrors.ts"
export * as ServiceBusEventPublisher from "./ServiceBusEventPublisher.ts"
export * as ServiceBusEventSubscription from "./ServiceBusEventSubscription.ts"
