import {
  connectionString,
  namespace,
  type ServiceBusConnection,
  ServiceBusEventPublisher,
  ServiceBusEventSubscription,
} from "@haymaker/adapters-servicebus"
import {
  type ArchiveSinkOptions,
  BlobArchiveSink,
  LogAnalyticsIngestionSink,
  type LogAnalyticsSinkOptions,
  redactedConnectionString,
} from "@haymaker/adapters-sinks"
import { Layer } from "effect"
import type { AzureProfile, ServiceBusTarget, WorkerConfig } from "./config/WorkerConfig.ts"
import type { LocalStack } from "./local/LocalStack.ts"

/** Where the adapters connect, whichever profile produced it. */
export interface Endpoints {
  readonly serviceBus: ServiceBusConnection
  readonly logAnalytics: LogAnalyticsSinkOptions
  readonly archive: ArchiveSinkOptions
}

export const serviceBusConnection = (target: ServiceBusTarget): ServiceBusConnection =>
  target._tag === "ConnectionString"
    ? connectionString(target.connectionString)
    : namespace(target.fullyQualifiedNamespace)

export const azureEndpoints = (profile: AzureProfile): Endpoints => ({
  serviceBus: serviceBusConnection(profile.serviceBus),
  logAnalytics: profile.logAnalytics,
  archive: profile.archive,
})

export const localEndpoints = (stack: LocalStack): Endpoints => ({
  serviceBus: connectionString(stack.serviceBusConnectionString),
  logAnalytics: {
    endpoint: stack.logsIngestionEndpoint,
    dataCollectionRuleId: stack.dataCollectionRuleId,
    credential: stack.credential,
    trustedCa: stack.logsIngestionCa,
  },
  archive: { connectionString: redactedConnectionString(stack.blobConnectionString) },
})

/** Both sinks of the dual write. */
export const sinksLayer = (endpoints: Endpoints) =>
  Layer.mergeAll(LogAnalyticsIngestionSink.layer(endpoints.logAnalytics), BlobArchiveSink.layer(endpoints.archive))

export const subscriptionLayer = (config: WorkerConfig, endpoints: Endpoints) =>
  ServiceBusEventSubscription.layer({
    connection: endpoints.serviceBus,
    topicName: config.topic,
    subscriptionName: config.subscription,
    concurrency: config.concurrency,
  })

export const publisherLayer = (config: WorkerConfig, endpoints: Endpoints) =>
  ServiceBusEventPublisher.layer({ connection: endpoints.serviceBus, topicName: config.topic })
