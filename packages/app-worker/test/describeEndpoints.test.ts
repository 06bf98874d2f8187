import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { loadWorkerConfig } from "../src/config/WorkerConfig.ts"
import { describeEndpoints } from "../src/describeEndpoints.ts"
import { startEndpoints } from "../src/WorkerLayers.ts"

// Keys that could not appear in the line by accident.
const sasKey = "c2VjcmV0LXNhcy1rZXktOTkxNw=="
const accountKey = "YWNjb3VudC1rZXktMzMwMS1zZWNyZXQ="
const sasToken =
  "SharedAccessSignature sr=sb%3A%2F%2Fhaymaker.servicebus.windows.net&sig=c2lnLTQ0MTI%3D&se=1&skn=agents"

const azureSinks = {
  HAYMAKER_LOGS_INGESTION_ENDPOINT: "https://haymaker-dce.westeurope-1.ingest.monitor.azure.com",
  HAYMAKER_LOGS_DCR_IMMUTABLE_ID: "dcr-00000000000000000000000000000000",
  HAYMAKER_ARCHIVE_CONNECTION_STRING: `DefaultEndpointsProtocol=https;AccountName=haymakerarchive;AccountKey=${accountKey};EndpointSuffix=core.windows.net`,
}

const startUpLine = (env: Record<string, string>) =>
  Effect.gen(function* () {
    const config = yield* loadWorkerConfig(env)
    const endpoints = yield* startEndpoints(config)
    return yield* describeEndpoints(config, endpoints)
  })

describe("the start-up line", () => {
  it.effect("names the namespace, entities, sinks and how it signs in, never a key", () =>
    Effect.gen(function* () {
      const line = yield* startUpLine({
        ...azureSinks,
        HAYMAKER_SERVICEBUS_CONNECTION_STRING: `Endpoint=sb://haymaker.servicebus.windows.net/;SharedAccessKeyName=worker;SharedAccessKey=${sasKey}`,
      })
      assert.strictEqual(
        line,
        "Service Bus sb://haymaker.servicebus.windows.net (key worker), agent-logs/orchestrator-sub; " +
          "Log Analytics https://haymaker-dce.westeurope-1.ingest.monitor.azure.com (rule dcr-00000000000000000000000000000000, streams Custom-HayMakerResources, Custom-HayMakerAgentLogs); " +
          "archive https://haymakerarchive.blob.core.windows.net container haymaker-events (batched layout, key)",
      )
      assert.notInclude(line, sasKey)
      assert.notInclude(line, accountKey)
    }),
  )

  it.effect("a SAS token or a namespace with Entra ID: the signature never appears", () =>
    Effect.gen(function* () {
      const token = yield* startUpLine({
        ...azureSinks,
        HAYMAKER_SERVICEBUS_CONNECTION_STRING: `Endpoint=sb://haymaker.servicebus.windows.net/;SharedAccessSignature=${sasToken}`,
      })
      assert.include(token, "Service Bus sb://haymaker.servicebus.windows.net (key SAS token)")
      assert.notInclude(token, "c2lnLTQ0MTI")
      const entra = yield* startUpLine({
        HAYMAKER_SERVICEBUS_NAMESPACE: "haymaker.servicebus.windows.net",
        HAYMAKER_LOGS_INGESTION_ENDPOINT: azureSinks.HAYMAKER_LOGS_INGESTION_ENDPOINT,
        HAYMAKER_LOGS_DCR_IMMUTABLE_ID: azureSinks.HAYMAKER_LOGS_DCR_IMMUTABLE_ID,
        HAYMAKER_ARCHIVE_ACCOUNT_URL: "https://haymakerarchive.blob.core.windows.net",
        HAYMAKER_AZURE_CREDENTIAL: "managed-identity",
        AZURE_CLIENT_ID: "11111111-2222-3333-4444-555555555555",
      })
      assert.include(
        entra,
        "Service Bus sb://haymaker.servicebus.windows.net (Microsoft Entra ID: managed identity 11111111-2222-3333-4444-555555555555)",
      )
      assert.include(entra, "archive https://haymakerarchive.blob.core.windows.net container haymaker-events")
      assert.include(entra, "Microsoft Entra ID)")
    }),
  )
})
