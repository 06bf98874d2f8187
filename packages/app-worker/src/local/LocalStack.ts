import { streamDeclarations } from "@haymaker/adapters-sinks"
import {
  type AzuritePeer,
  azuriteScoped,
  type LogsIngestionServerProcess,
  logsIngestionServerProcessScoped,
  type StaticTokenCredential,
  staticTokenCredential,
} from "@haymaker/local-stack"
import { type ConfigJson, startEmulator } from "@haymaker/servicebus-emulator"
import { Effect } from "effect"
import { type StackFiles, type StackState, stackCertificateAuthority } from "./StackState.ts"

/** The local rule id: any `dcr-` + 32 hex digits works against the local server, this one is easy to recognise. */
export const localDataCollectionRuleId = "dcr-00000000000000000000000000000001"

export interface LocalBusOptions {
  readonly topic: string
  readonly subscription: string
  /** Lock duration of the local subscription (ISO-8601), long enough for sink retries. */
  readonly lockDuration?: string
  readonly maxDeliveryCount?: number
}

export interface LocalBus {
  /** Works with `new ServiceBusClient(...)` from any agent on this machine. */
  readonly connectionString: string
}

export interface LocalSinkPeers {
  readonly blobConnectionString: string
  readonly blobEndpoint: string
  readonly logsIngestionEndpoint: string
  readonly dataCollectionRuleId: string
  /** The Logs Ingestion server's self-signed certificate (PEM), to trust in clients. */
  readonly logsIngestionCa: string
  readonly credential: StaticTokenCredential
  readonly logsIngestion: LogsIngestionServerProcess
  readonly azurite: AzuritePeer
}

/** An emulator configuration (the official Config.json format) with one topic and one subscription. */
export const topicConfig = (options: LocalBusOptions): ConfigJson => ({
  UserConfig: {
    Namespaces: [
      {
        Name: "sbemulatorns",
        Queues: [],
        Topics: [
          {
            Name: options.topic,
            Properties: {},
            Subscriptions: [
              {
                Name: options.subscription,
                Properties: {
                  LockDuration: options.lockDuration ?? "PT1M",
                  MaxDeliveryCount: options.maxDeliveryCount ?? 10,
                  DefaultMessageTimeToLive: "PT1H",
                },
                Rules: [],
              },
            ],
          },
        ],
      },
    ],
    Logging: { Type: "Console" },
  },
})

/** The Service Bus emulator in-process on 127.0.0.1 (ephemeral port) with the topic and subscription. */
export const startLocalBus = Effect.fn("LocalStack.bus")(function* (options: LocalBusOptions) {
  const emulator = yield* Effect.acquireRelease(
    Effect.promise(() => startEmulator({ config: topicConfig(options) })),
    (running) => Effect.promise(() => running.close()),
  )
  return { connectionString: emulator.connectionString } satisfies LocalBus
})

/**
 * Azurite and the HTTPS Logs Ingestion server (validating rows against the shipped stream declarations), on
 * 127.0.0.1 with ephemeral ports, so the real SDKs do the writing. Each runs in its own process, as the services
 * they stand for do: their work and memory are not the worker's. Stopped with the surrounding scope.
 */
export const startLocalSinkPeers = Effect.fn("LocalStack.sinks")(function* () {
  const [azurite, logsIngestion] = yield* Effect.all(
    [
      azuriteScoped(),
      logsIngestionServerProcessScoped({
        rules: [{ immutableId: localDataCollectionRuleId, streamDeclarations: streamDeclarations() }],
      }),
    ],
    { concurrency: 2 },
  )
  return {
    blobConnectionString: azurite.connectionString,
    blobEndpoint: azurite.blobEndpoint,
    logsIngestionEndpoint: logsIngestion.endpoint,
    dataCollectionRuleId: localDataCollectionRuleId,
    logsIngestionCa: logsIngestion.ca,
    credential: staticTokenCredential(),
    logsIngestion,
    azurite,
  } satisfies LocalSinkPeers
})

/** The sinks of a running local stack (`local up`): its Azurite and its Logs Ingestion server. */
export const stackSinkEndpoints = (files: StackFiles, state: StackState) => ({
  logAnalytics: {
    endpoint: state.logsIngestionEndpoint,
    dataCollectionRuleId: state.dataCollectionRuleId,
    credential: staticTokenCredential(),
    trustedCa: stackCertificateAuthority(files),
  },
  blobConnectionString: state.blobConnectionString,
})
