import type { TokenCredential } from "@azure/core-auth"
import { DefaultAzureCredential } from "@azure/identity"
import { BlobServiceClient, type StoragePipelineOptions } from "@azure/storage-blob"
import { Duration, Redacted } from "effect"
import type { ResolvedArchiveSettings } from "./ArchiveConfig.ts"

/** The storage client of the archive's settings: connection string, or account URL with a credential. */
export const serviceClient = (settings: ResolvedArchiveSettings, credential: TokenCredential | undefined) => {
  const pipeline: StoragePipelineOptions = {
    retryOptions: {
      maxTries: settings.maxTries,
      retryDelayInMs: Duration.toMillis(settings.retryDelay),
      maxRetryDelayInMs: Duration.toMillis(settings.maxRetryDelay),
    },
    userAgentOptions: { userAgentPrefix: "haymaker-event-bus" },
  }
  return settings.target._tag === "ConnectionString"
    ? BlobServiceClient.fromConnectionString(Redacted.value(settings.target.connectionString), pipeline)
    : new BlobServiceClient(settings.target.accountUrl, credential ?? new DefaultAzureCredential(), pipeline)
}
