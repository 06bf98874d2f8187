import { DefaultAzureCredential, type TokenCredential } from "@azure/identity"
import { parseServiceBusConnectionString, type RetryOptions, ServiceBusClient } from "@azure/service-bus"
import { defaultSubscriptionName, defaultTopicName } from "@haymaker/domain"
import { Config, Data, Duration, Effect, Redacted, type Scope } from "effect"

/**
 * How to reach a namespace: a connection string (SAS key, or the emulator's `UseDevelopmentEmulator=true`), or a
 * fully qualified namespace authenticated with Microsoft Entra ID. The connection string stays `Redacted` until the
 * moment the SDK client is built, so it never reaches a log line or an error message.
 */
export type ServiceBusConnection =
  | { readonly _tag: "ConnectionString"; readonly connectionString: Redacted.Redacted<string> }
  | {
      readonly _tag: "Namespace"
      readonly fullyQualifiedNamespace: string
      /** Defaults to `DefaultAzureCredential` (managed identity, workload identity, Azure CLI, …). */
      readonly credential?: TokenCredential
    }

export const connectionString = (value: string | Redacted.Redacted<string>): ServiceBusConnection => ({
  _tag: "ConnectionString",
  connectionString: Redacted.isRedacted(value) ? value : Redacted.make(value, { label: "ServiceBusConnectionString" }),
})

export const namespace = (fullyQualifiedNamespace: string, credential?: TokenCredential): ServiceBusConnection =>
  credential === undefined
    ? { _tag: "Namespace", fullyQualifiedNamespace }
    : { _tag: "Namespace", fullyQualifiedNamespace, credential }

/** How the SDK retries a failed operation. The SDK's own default waits 30 s between attempts. */
export interface ServiceBusRetry {
  readonly maxRetries?: number
  readonly retryDelay?: Duration.Input
  readonly maxRetryDelay?: Duration.Input
  /** Per-attempt timeout of an operation. */
  readonly timeout?: Duration.Input
}

export const defaultRetry: Required<ServiceBusRetry> = {
  maxRetries: 3,
  retryDelay: Duration.seconds(1),
  maxRetryDelay: Duration.seconds(30),
  timeout: Duration.minutes(1),
}

export class ServiceBusConfigInvalid extends Data.TaggedError("ServiceBusConfigInvalid")<{
  readonly code: "ConfigInvalid"
  readonly message: string
}> {}

/** The host the connection points at, safe to show in messages. */
export const hostOf = (connection: ServiceBusConnection): string => {
  if (connection._tag === "Namespace") return connection.fullyQualifiedNamespace
  try {
    return parseServiceBusConnectionString(Redacted.value(connection.connectionString)).fullyQualifiedNamespace
  } catch {
    return "<unparseable connection string>"
  }
}

const toRetryOptions = (retry: ServiceBusRetry | undefined): RetryOptions => {
  const merged = { ...defaultRetry, ...retry }
  return {
    maxRetries: merged.maxRetries,
    retryDelayInMs: Duration.toMillis(merged.retryDelay),
    maxRetryDelayInMs: Duration.toMillis(merged.maxRetryDelay),
    timeoutInMs: Duration.toMillis(merged.timeout),
  }
}

/** Builds an SDK client, refusing a malformed connection string with a message that does not echo it. */
export const buildClient = (
  connection: ServiceBusConnection,
  retry?: ServiceBusRetry,
): Effect.Effect<ServiceBusClient, ServiceBusConfigInvalid> =>
  Effect.try({
    try: () => {
      const options = { retryOptions: toRetryOptions(retry) }
      if (connection._tag === "ConnectionString") {
        return new ServiceBusClient(Redacted.value(connection.connectionString), options)
      }
      return new ServiceBusClient(
        connection.fullyQualifiedNamespace,
        connection.credential ?? new DefaultAzureCredential(),
        options,
      )
    },
    catch: (cause) =>
      new ServiceBusConfigInvalid({
        code: "ConfigInvalid",
        message:
          connection._tag === "ConnectionString"
            ? `The Service Bus connection string is not valid (${cause instanceof Error ? cause.name : "error"}): expected "Endpoint=sb://<host>/;SharedAccessKeyName=…;SharedAccessKey=…"`
            : `The Service Bus namespace "${connection.fullyQualifiedNamespace}" is not valid: expected "<name>.servicebus.windows.net"`,
      }),
  })

/** A client closed when the scope closes (closing it also detaches every sender and receiver it made). */
export const acquireClient = (
  connection: ServiceBusConnection,
  retry?: ServiceBusRetry,
): Effect.Effect<ServiceBusClient, ServiceBusConfigInvalid, Scope.Scope> =>
  Effect.acquireRelease(buildClient(connection, retry), (client) =>
    Effect.promise(() => client.close()).pipe(Effect.ignore),
  )

/** A topic subscription on a namespace: what the subscription and the dead-letter queue adapters are opened on. */
export interface SubscriptionTarget {
  readonly connection: ServiceBusConnection
  readonly topicName: string
  readonly subscriptionName: string
  readonly retry?: ServiceBusRetry
}

/** A subscription's entity path, as the broker names it (`<topic>/Subscriptions/<subscription>`). */
export const subscriptionPath = (topicName: string, subscriptionName: string): string =>
  `${topicName}/Subscriptions/${subscriptionName}`

/** A client for the target's namespace, closed with the scope, and the host it reaches (safe to show). */
export const openSubscription = (
  target: SubscriptionTarget,
): Effect.Effect<{ readonly client: ServiceBusClient; readonly host: string }, ServiceBusConfigInvalid, Scope.Scope> =>
  Effect.map(acquireClient(target.connection, target.retry), (client) => ({ client, host: hostOf(target.connection) }))

/**
 * Reads the connection from configuration: `HAYMAKER_SERVICEBUS_CONNECTION_STRING`, else
 * `HAYMAKER_SERVICEBUS_NAMESPACE` with `DefaultAzureCredential`.
 */
export const connectionConfig: Config.Config<ServiceBusConnection> = Config.Redacted(
  "HAYMAKER_SERVICEBUS_CONNECTION_STRING",
).pipe(
  Config.map((value) => connectionString(value)),
  Config.orElse(() => Config.String("HAYMAKER_SERVICEBUS_NAMESPACE").pipe(Config.map((ns) => namespace(ns)))),
)

/** `HAYMAKER_SERVICEBUS_TOPIC`, default `agent-logs`. */
export const topicNameConfig: Config.Config<string> = Config.String("HAYMAKER_SERVICEBUS_TOPIC").pipe(
  Config.withDefault(defaultTopicName),
)

/** `HAYMAKER_SERVICEBUS_SUBSCRIPTION`, default `orchestrator-sub`. */
export const subscriptionNameConfig: Config.Config<string> = Config.String("HAYMAKER_SERVICEBUS_SUBSCRIPTION").pipe(
  Config.withDefault(defaultSubscriptionName),
)

/** A topic's connection and name from the environment: what every adapter's `envConfig` starts from. */
export const topicEnvConfig = { connection: connectionConfig, topicName: topicNameConfig }

/** {@link topicEnvConfig} and `HAYMAKER_SERVICEBUS_SUBSCRIPTION`, default `orchestrator-sub`. */
export const subscriptionEnvConfig = { ...topicEnvConfig, subscriptionName: subscriptionNameConfig }
