import { streamDeclarations } from "@haymaker/adapters-sinks"
import { startEmulator } from "@haymaker/servicebus-emulator"
import {
  type AzuritePeer,
  azuriteScoped,
  type LogsIngestionServer,
  logsIngestionServerScoped,
  type StaticTokenCredential,
  staticTokenCredential,
} from "@haymaker/testing/peers"
import { Effect } from "effect"

/** The local rule id: any `dcr-` + 32 hex digits works against the local server, this one is easy to recognise. */
export const localDataCollectionRuleId = "dcr-00000000000000000000000000000001"

export interface LocalStackOptions {
  readonly topic: string
  readonly subscription: string
  /** Lock duration of the local subscription (ISO-8601), long enough for sink retries. */
  readonly lockDuration?: string
  readonly maxDeliveryCount?: number
}

export interface LocalStack {
  /** Works with `new ServiceBusClient(...)` from any agent on this machine. */
  readonly serviceBusConnectionString: string
  readonly blobConnectionString: string
  readonly blobEndpoint: string
  readonly logsIngestionEndpoint: string
  readonly dataCollectionRuleId: string
  /** The Logs Ingestion server's self-signed certificate (PEM), to trust in clients. */
  readonly logsIngestionCa: string
  readonly credential: StaticTokenCredential
  readonly logsIngestion: LogsIngestionServer
  readonly azurite: AzuritePeer
}

/**
 * The local profile's peers, all on 127.0.0.1 with ephemeral ports: the Service Bus emulator in-process with the
 * topic and subscription, Azurite, and the HTTPS Logs Ingestion server validating rows against the shipped stream
 * declarations. Stopped with the surrounding scope.
 */
export const startLocalStack = Effect.fn("LocalStack.start")(function* (options: LocalStackOptions) {
  const emulator = yield* Effect.acquireRelease(
    Effect.promise(() =>
      startEmulator({
        config: {
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
        },
      }),
    ),
    (running) => Effect.promise(() => running.close()),
  )
  const [azurite, logsIngestion] = yield* Effect.all(
    [
      azuriteScoped(),
      logsIngestionServerScoped({
        rules: [{ immutableId: localDataCollectionRuleId, streamDeclarations: streamDeclarations() }],
      }),
    ],
    { concurrency: 2 },
  )
  return {
    serviceBusConnectionString: emulator.connectionString,
    blobConnectionString: azurite.connectionString,
    blobEndpoint: azurite.blobEndpoint,
    logsIngestionEndpoint: logsIngestion.endpoint,
    dataCollectionRuleId: localDataCollectionRuleId,
    logsIngestionCa: logsIngestion.ca,
    credential: staticTokenCredential(),
    logsIngestion,
    azurite,
  } satisfies LocalStack
})
