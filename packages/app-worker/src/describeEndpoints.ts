import { parseServiceBusConnectionString } from "@azure/service-bus"
import { type ArchiveSinkOptions, resolveArchiveSettings, resolveLogAnalyticsSettings } from "@haymaker/adapters-sinks"
import { Effect, Redacted } from "effect"
import type { AzureCredentialChoice } from "./config/AzureCredential.ts"
import { isEmulator, type WorkerConfig } from "./config/WorkerConfig.ts"
import type { Endpoints } from "./WorkerLayers.ts"

const signIn = (credential: AzureCredentialChoice): string =>
  credential._tag === "ManagedIdentity"
    ? `managed identity${credential.clientId._tag === "Some" ? ` ${credential.clientId.value}` : " (system-assigned)"}`
    : "DefaultAzureCredential"

const serviceBus = (config: WorkerConfig, endpoints: Endpoints): string => {
  const connection = endpoints.serviceBus
  if (connection._tag === "Namespace") {
    return `sb://${connection.fullyQualifiedNamespace} (Microsoft Entra ID: ${signIn(config.credential)})`
  }
  const text = Redacted.value(connection.connectionString)
  try {
    const parsed = parseServiceBusConnectionString(text)
    const what = isEmulator(text) ? "emulator, " : ""
    return `sb://${parsed.fullyQualifiedNamespace} (${what}key ${parsed.sharedAccessKeyName ?? "SAS token"})`
  } catch {
    return "a Service Bus connection string that does not parse"
  }
}

/** The Blob endpoint of an archive, never its key: the connection string's BlobEndpoint or account, or the URL. */
const blobEndpoint = (options: ArchiveSinkOptions): string => {
  if (options.accountUrl !== undefined) return options.accountUrl
  const text = options.connectionString === undefined ? "" : Redacted.value(options.connectionString)
  const field = (name: string) => new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*([^;]+)`, "i").exec(text)?.[1]
  const account = field("AccountName")
  return (
    field("BlobEndpoint") ??
    (account === undefined
      ? "Azurite (UseDevelopmentStorage)"
      : `https://${account}.blob.${field("EndpointSuffix") ?? "core.windows.net"}`)
  )
}

/**
 * One line saying what the worker works with: the broker and its entities, both sinks and how it signs in to each.
 * Hosts, names and settings only: connection strings are `Redacted` and stay out of it.
 */
export const describeEndpoints = Effect.fn("Worker.describeEndpoints")(function* (
  config: WorkerConfig,
  endpoints: Endpoints,
) {
  const bus = `Service Bus ${serviceBus(config, endpoints)}, ${config.topic}/${config.subscription}`
  const sinks = endpoints.sinks
  if (sinks._tag === "Filesystem") return `${bus}; sinks: JSON lines under ${sinks.directory}`
  const logs = yield* Effect.option(resolveLogAnalyticsSettings(sinks.logAnalytics))
  const archive = yield* Effect.option(resolveArchiveSettings(sinks.archive))
  const logsText =
    logs._tag === "Some"
      ? `Log Analytics ${logs.value.endpoint} (rule ${logs.value.dataCollectionRuleId}, streams ${logs.value.resourcesStream}, ${logs.value.agentLogsStream})`
      : "Log Analytics (invalid settings)"
  const signedIn = sinks.archive.accountUrl === undefined ? "key" : "Microsoft Entra ID"
  const archiveText =
    archive._tag === "Some"
      ? `archive ${blobEndpoint(sinks.archive)} container ${archive.value.container} (${archive.value.layout} layout, ${signedIn})`
      : "archive (invalid settings)"
  return `${bus}; ${logsText}; ${archiveText}`
})
