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
import type { AzureProfile, WorkerConfig } from "./config/WorkerConfig.ts"
import type { LocalStack } from "./local/LocalStack.ts"

/** Where the adapters connect, whichever profile produced it. */
export interface Endpoints {
  readonly serviceBus: ServiceBusConnection
  readonly logAnalytics: LogAnalyticsSinkOptions
  readonly archive: ArchiveSinkOptions
}

export const azureEndpoints = (profile: AzureProfile): Endpoints => ({
  serviceBus:
    profile.serviceBus._tag === "ConnectionString"
      ? connectionString(profile.serviceBus.connectionString)
      : namespace(profile.serviceBus.fullyQualifiedNamespace),
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
