// The worker signs in with a managed identity, as it does in Container Apps: HAYMAKER_AZURE_CREDENTIAL=managed-identity
// and AZURE_CLIENT_ID name the user-assigned identity; the platform's identity endpoint (IDENTITY_ENDPOINT,
// IDENTITY_HEADER) hands out the tokens. Here that endpoint is @haymaker/local-stack's, and the Logs Ingestion server
// accepts only the tokens it issued for Azure Monitor to that identity.
import { ManagedIdentityCredential } from "@azure/identity"
import { LogAnalyticsIngestionSink, streamDeclarations } from "@haymaker/adapters-sinks"
import { LogAnalyticsSink } from "@haymaker/domain"
import {
  type LogsIngestionServer,
  type ManagedIdentityEndpoint,
  startLogsIngestionServer,
  startManagedIdentityEndpoint,
} from "@haymaker/local-stack"
import { seedResourceCreated, sinkRecord } from "@haymaker/testing"
import { Effect, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { loadWorkerConfig } from "../src/config/WorkerConfig.ts"
import { type Endpoints, startEndpoints } from "../src/WorkerLayers.ts"

const clientId = "7d1f3a52-8c4e-4b0a-9f16-2e5d8c7b1a90"
const ruleId = "dcr-0123456789abcdef0123456789abcdef"

let identity: ManagedIdentityEndpoint
let logsIngestion: LogsIngestionServer
const saved = { IDENTITY_ENDPOINT: process.env.IDENTITY_ENDPOINT, IDENTITY_HEADER: process.env.IDENTITY_HEADER }

beforeAll(async () => {
  identity = await startManagedIdentityEndpoint({ userAssigned: [clientId] })
  // What Container Apps sets in every replica that has an identity (this test file runs in a process of its own).
  Object.assign(process.env, identity.environment)
  logsIngestion = await startLogsIngestionServer({
    rules: [{ immutableId: ruleId, streamDeclarations: streamDeclarations() }],
    acceptToken: (token) => {
      const issued = identity.tokenOf(token)
      return issued?.clientId === clientId && issued.resource.startsWith("https://monitor.azure.com")
    },
  })
})

afterAll(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
  await logsIngestion?.close()
  await identity?.close()
})

const azureEnvironment = (extra: Record<string, string>) => ({
  HAYMAKER_SERVICEBUS_NAMESPACE: "haymaker.servicebus.windows.net",
  HAYMAKER_LOGS_INGESTION_ENDPOINT: logsIngestion.endpoint,
  HAYMAKER_LOGS_DCR_IMMUTABLE_ID: ruleId,
  HAYMAKER_ARCHIVE_ACCOUNT_URL: "https://haymaker.blob.core.windows.net",
  ...extra,
})

const endpointsOf = (env: Record<string, string>): Promise<Endpoints> =>
  Effect.runPromise(Effect.scoped(Effect.flatMap(loadWorkerConfig(env), startEndpoints)))

const problemsOf = (env: Record<string, string>) =>
  Effect.runPromise(Effect.flip(loadWorkerConfig(env))).then((error) => error.message)

describe("HAYMAKER_AZURE_CREDENTIAL", () => {
  it("selects the managed identity named by AZURE_CLIENT_ID, DefaultAzureCredential by default", async () => {
    const managed = await Effect.runPromise(
      loadWorkerConfig(azureEnvironment({ HAYMAKER_AZURE_CREDENTIAL: "managed-identity", AZURE_CLIENT_ID: clientId })),
    )
    expect(managed.credential).toEqual({ _tag: "ManagedIdentity", clientId: Option.some(clientId) })
    const system = await Effect.runPromise(
      loadWorkerConfig(azureEnvironment({ HAYMAKER_AZURE_CREDENTIAL: "managed-identity" })),
    )
    expect(system.credential).toEqual({ _tag: "ManagedIdentity", clientId: Option.none() })
    const fallback = await Effect.runPromise(loadWorkerConfig(azureEnvironment({})))
    expect(fallback.credential).toEqual({ _tag: "Default" })
  })

  it("refuses an unknown mode and a client id that is not a GUID, naming the variables", async () => {
    const message = await problemsOf(
      azureEnvironment({ HAYMAKER_AZURE_CREDENTIAL: "cli", AZURE_CLIENT_ID: "worker-identity" }),
    )
    expect(message).toContain("HAYMAKER_AZURE_CREDENTIAL")
    expect(message).toContain("AZURE_CLIENT_ID: expected the client id of an identity (a GUID)")
  })
})

describe("a worker configured for a managed identity", () => {
  it("gives the namespace, the Logs Ingestion sink and the account-URL archive one ManagedIdentityCredential", async () => {
    const endpoints = await endpointsOf(
      azureEnvironment({ HAYMAKER_AZURE_CREDENTIAL: "managed-identity", AZURE_CLIENT_ID: clientId }),
    )
    const bus = endpoints.serviceBus
    const sinks = endpoints.sinks
    if (bus._tag !== "Namespace" || sinks._tag !== "Ingestion") throw new Error("expected the Azure profile")
    expect(bus.credential).toBeInstanceOf(ManagedIdentityCredential)
    expect(sinks.logAnalytics.credential).toBe(bus.credential)
    expect(sinks.archive.credential).toBe(bus.credential)
  })

  it("gets each service's token from the identity endpoint as its identity, and writes to Log Analytics with it", async () => {
    const endpoints = await endpointsOf(
      azureEnvironment({ HAYMAKER_AZURE_CREDENTIAL: "managed-identity", AZURE_CLIENT_ID: clientId }),
    )
    if (endpoints.sinks._tag !== "Ingestion" || endpoints.serviceBus._tag !== "Namespace") {
      throw new Error("expected the Azure profile")
    }
    // The sink exactly as the worker builds it, trusting the local server's certificate.
    const sink = LogAnalyticsIngestionSink.layer({ ...endpoints.sinks.logAnalytics, trustedCa: logsIngestion.ca })
    const record = sinkRecord(seedResourceCreated, { messageId: "mi-1" })
    const write = Effect.gen(function* () {
      yield* (yield* LogAnalyticsSink).write([record])
    })
    await Effect.runPromise(write.pipe(Effect.provide(sink)))
    expect(logsIngestion.rows("Custom-HayMakerResources")).toHaveLength(1)
    const bearer =
      logsIngestion
        .requests()
        .at(-1)
        ?.authorization?.replace(/^Bearer /, "") ?? ""
    expect(identity.tokenOf(bearer)).toMatchObject({ clientId, resource: expect.stringMatching(/^https:\/\/monitor/) })

    // Service Bus and Blob Storage ask the same credential for their audiences (neither local peer takes Entra tokens).
    for (const [credential, scope] of [
      [endpoints.serviceBus.credential, "https://servicebus.azure.net//.default"],
      [endpoints.sinks.archive.credential, "https://storage.azure.com/.default"],
    ] as const) {
      const token = await credential?.getToken(scope)
      expect(identity.tokenOf(token?.token ?? "")).toMatchObject({ clientId })
    }
    expect(new Set(identity.issued().map((issued) => new URL(issued.resource).host))).toEqual(
      new Set(["monitor.azure.com", "servicebus.azure.net", "storage.azure.com"]),
    )
    expect(identity.requests().every((request) => request.clientId === clientId)).toBe(true)
  })
})
