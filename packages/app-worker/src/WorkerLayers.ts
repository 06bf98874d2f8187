import type { TokenCredential } from "@azure/identity"
import {
  connectionString,
  namespace,
  type ServiceBusConnection,
  ServiceBusDeadLetterQueue,
  ServiceBusEventPublisher,
  ServiceBusEventSubscription,
} from "@haymaker/adapters-servicebus"
import {
  type ArchiveSinkOptions,
  BlobArchiveSink,
  FileArchiveSink,
  FileLogAnalyticsSink,
  LogAnalyticsIngestionSink,
  type LogAnalyticsSinkOptions,
  redactedConnectionString,
} from "@haymaker/adapters-sinks"
import { Console, Effect, Layer } from "effect"
import { CommandError } from "./cli/CommandError.ts"
import { azureCredential } from "./config/AzureCredential.ts"
import type { ServiceBusTarget, WorkerConfig } from "./config/WorkerConfig.ts"
import type { LocalBus, LocalSinkPeers } from "./local/LocalStack.ts"
import { cliName, findLocalStack, stackNotRunning } from "./local/StackState.ts"

// The local peers (emulator, Azurite, the Logs Ingestion server) are loaded only when asked for, so a worker
// talking to Azure does not carry them in memory. They are optional dependencies: an install with --omit=optional
// (a production image) leaves them out, and then only the local profile is unavailable.
const localStack = () =>
  Effect.promise(() =>
    import("./local/LocalStack.ts").catch((cause: unknown) => {
      throw new Error(
        "The local profile needs @haymaker/local-stack and @haymaker/servicebus-emulator (optional dependencies of " +
          "@haymaker/app-worker, left out by --omit=optional): install them, or configure Azure endpoints.",
        { cause },
      )
    }),
  )

/** Where the adapters write, whichever way the configuration chose. */
export type SinkEndpoints =
  | { readonly _tag: "Ingestion"; readonly logAnalytics: LogAnalyticsSinkOptions; readonly archive: ArchiveSinkOptions }
  | { readonly _tag: "Filesystem"; readonly directory: string }

export interface Endpoints {
  readonly serviceBus: ServiceBusConnection
  readonly sinks: SinkEndpoints
  /** The peers started in-process, when the configuration asked for local ones. */
  readonly localBus: LocalBus | undefined
  readonly localSinks: LocalSinkPeers | undefined
}

/** The connection to a target; a namespace signs in with the credential `credential` makes (only then). */
export const serviceBusConnection = (
  target: ServiceBusTarget,
  credential: () => TokenCredential,
): ServiceBusConnection =>
  target._tag === "ConnectionString"
    ? connectionString(target.connectionString)
    : namespace(target.fullyQualifiedNamespace, credential())

export const localSinkEndpoints = (peers: LocalSinkPeers): SinkEndpoints => ({
  _tag: "Ingestion",
  logAnalytics: {
    endpoint: peers.logsIngestionEndpoint,
    dataCollectionRuleId: peers.dataCollectionRuleId,
    credential: peers.credential,
    trustedCa: peers.logsIngestionCa,
  },
  archive: { connectionString: redactedConnectionString(peers.blobConnectionString) },
})

export interface StartEndpointsOptions {
  /**
   * `ifRunning` (the `run` command): local parts come from the local stack (`local up`) when it runs, and are
   * started in-process otherwise; `never` (the demo, tests): always in-process, on ephemeral ports.
   */
  readonly localStack?: "ifRunning" | "never"
}

/**
 * The endpoints of the configuration. Local parts (the emulator; Azurite and the Logs Ingestion server) are those of
 * the running local stack, or are started for the surrounding scope, their connection settings printed so any agent on
 * this machine can publish.
 */
export const startEndpoints = Effect.fn("Worker.startEndpoints")(function* (
  config: WorkerConfig,
  options: StartEndpointsOptions = {},
) {
  const wantsLocal = config.bus._tag === "LocalEmulator" || config.sinks._tag === "LocalPeers"
  const stack = wantsLocal && options.localStack === "ifRunning" ? yield* findLocalStack(config.localStack) : undefined
  // A stack named in the environment (the env file of `local up` names it) must be running: it holds the state.
  if (stack?._tag === "Stopped" && config.localStack.named) {
    return yield* new CommandError({ message: stackNotRunning() })
  }
  const running = stack?._tag === "Running" ? stack : undefined
  if (stack?._tag === "Stopped") {
    yield* Effect.logInfo(
      `no local stack running in ${stack.files.directory}: starting local peers that stop with this worker (\`${cliName()} local up\` keeps a stack with its messages across restarts)`,
    )
  }
  // One credential for every Azure service reached without a connection string, so they share its token cache.
  let shared: TokenCredential | undefined
  const credential = () => {
    shared ??= azureCredential(config.credential)
    return shared
  }
  let localBus: LocalBus | undefined
  let serviceBus: ServiceBusConnection
  if (config.bus._tag !== "LocalEmulator") serviceBus = serviceBusConnection(config.bus, credential)
  else if (running !== undefined) serviceBus = connectionString(running.state.serviceBusConnectionString)
  else {
    localBus = yield* (yield* localStack()).startLocalBus({ topic: config.topic, subscription: config.subscription })
    serviceBus = connectionString(localBus.connectionString)
  }
  const stackSinks =
    config.sinks._tag === "LocalPeers" && running !== undefined
      ? (yield* localStack()).stackSinkEndpoints(running.files, running.state)
      : undefined
  const localSinks =
    config.sinks._tag === "LocalPeers" && running === undefined
      ? yield* (yield* localStack()).startLocalSinkPeers()
      : undefined
  const lines: Array<string> = []
  if (localBus !== undefined) {
    lines.push(
      `  Service Bus (emulator):  ${localBus.connectionString}`,
      `  topic / subscription:    ${config.topic} / ${config.subscription}`,
    )
  }
  if (localSinks !== undefined) {
    lines.push(
      `  Blob Storage (Azurite):  ${localSinks.blobConnectionString}`,
      `  Logs Ingestion endpoint: ${localSinks.logsIngestionEndpoint} (rule ${localSinks.dataCollectionRuleId})`,
    )
  }
  if (lines.length > 0) yield* Console.log(["Local peers on 127.0.0.1:", ...lines].join("\n"))
  const sinks: SinkEndpoints =
    config.sinks._tag === "Azure"
      ? {
          _tag: "Ingestion",
          logAnalytics: { ...config.sinks.logAnalytics, credential: credential() },
          archive:
            config.sinks.archive.accountUrl === undefined
              ? config.sinks.archive
              : { ...config.sinks.archive, credential: credential() },
        }
      : config.sinks._tag === "Filesystem"
        ? { _tag: "Filesystem", directory: config.sinks.directory }
        : stackSinks !== undefined
          ? {
              _tag: "Ingestion",
              logAnalytics: stackSinks.logAnalytics,
              archive: { connectionString: redactedConnectionString(stackSinks.blobConnectionString) },
            }
          : localSinkEndpoints(localSinks as LocalSinkPeers)
  return { serviceBus, sinks, localBus, localSinks } satisfies Endpoints
})

/** Both sinks of the dual write. */
export const sinksLayer = (sinks: SinkEndpoints) =>
  sinks._tag === "Filesystem"
    ? Layer.mergeAll(
        FileLogAnalyticsSink.layer({ directory: sinks.directory }),
        FileArchiveSink.layer({ directory: sinks.directory }),
      )
    : Layer.mergeAll(LogAnalyticsIngestionSink.layer(sinks.logAnalytics), BlobArchiveSink.layer(sinks.archive))

export const subscriptionLayer = (config: WorkerConfig, serviceBus: ServiceBusConnection) =>
  ServiceBusEventSubscription.layer({
    connection: serviceBus,
    topicName: config.topic,
    subscriptionName: config.subscription,
    concurrency: config.concurrency,
    // A settlement or a peek on a healthy namespace takes milliseconds; one on a connection that died waits out this
    // timeout (the SDK's default is a minute), and until then holds its batch and the worker's reconnection.
    retry: { timeout: "10 seconds" },
  })

export const publisherLayer = (topic: string, serviceBus: ServiceBusConnection) =>
  ServiceBusEventPublisher.layer({ connection: serviceBus, topicName: topic })

/** The dead-letter queue of the worker's subscription. */
export const deadLetterQueueLayer = (
  config: { readonly topic: string; readonly subscription: string },
  serviceBus: ServiceBusConnection,
) =>
  ServiceBusDeadLetterQueue.layer({
    connection: serviceBus,
    topicName: config.topic,
    subscriptionName: config.subscription,
  })
