import { subscriptionNameConfig, topicNameConfig } from "@haymaker/adapters-servicebus"
import {
  type ArchiveSinkOptions,
  archiveEnvConfig,
  type LogAnalyticsSinkOptions,
  logAnalyticsEnvConfig,
  resolveArchiveSettings,
  resolveLogAnalyticsSettings,
} from "@haymaker/adapters-sinks"
import {
  type DecodeLimits,
  defaultDecodeLimits,
  defaultSubscriptionName,
  defaultTopicName,
  durationConfig,
} from "@haymaker/domain"
import { Config, ConfigProvider, Duration, Effect, type LogLevel, Option, Redacted, Result, SchemaIssue } from "effect"
import { CommandError } from "../cli/CommandError.ts"
import { findLocalStack, type StackChoice, stackChoice, stackNotRunning } from "../local/StackState.ts"
import { defaultMaxDeliveryCount, type InvalidMessagePolicy } from "../pipeline/processBatch.ts"
import { AZURE_CREDENTIAL_MODES, type AzureCredentialChoice } from "./AzureCredential.ts"
import { WorkerConfigError } from "./WorkerConfigError.ts"

/** Where the worker reads from. */
export type ServiceBusTarget =
  | { readonly _tag: "ConnectionString"; readonly connectionString: Redacted.Redacted<string> }
  | { readonly _tag: "Namespace"; readonly fullyQualifiedNamespace: string }

/** The bus the worker reads: Azure (or any broker given by connection string), or the in-process emulator. */
export type BusTarget = ServiceBusTarget | { readonly _tag: "LocalEmulator" }

/** Where the dual write goes. */
export type SinkTarget =
  /** Log Analytics (Logs Ingestion API) and Blob Storage; settings validated by the adapters' own schemas. */
  | {
      readonly _tag: "Azure"
      readonly logAnalytics: LogAnalyticsSinkOptions
      readonly archive: ArchiveSinkOptions
    }
  /** JSON lines under a folder: `log-analytics/` and `archive/`. */
  | { readonly _tag: "Filesystem"; readonly directory: string }
  /**
   * Azurite and the local HTTPS Logs Ingestion server, so the real SDKs do the writing: those of the local stack when
   * it runs (`local up`), otherwise started for this process.
   */
  | { readonly _tag: "LocalPeers" }

export interface WorkerConfig {
  readonly bus: BusTarget
  readonly sinks: SinkTarget
  /** How to sign in where no connection string is given (a namespace, an account URL, the Logs Ingestion API). */
  readonly credential: AzureCredentialChoice
  readonly topic: string
  readonly subscription: string
  /** Messages held (received, not yet settled) at most. */
  readonly concurrency: number
  readonly batchSize: number
  readonly batchWait: Duration.Duration
  readonly batchConcurrency: number
  readonly invalidMessages: InvalidMessagePolicy
  readonly decodeLimits: DecodeLimits
  /** The subscription's MaxDeliveryCount: an outage holds (never hands back) a message within one delivery of it. */
  readonly maxDeliveryCount: number
  readonly sinkRetryBudget: Duration.Duration
  /** Bound on one sink call (and one sink probe). */
  readonly sinkWriteTimeout: Duration.Duration
  /** Backoff while the broker is unreachable or a sink is out: from the first delay, doubling up to the second. */
  readonly recoveryInitialDelay: Duration.Duration
  readonly recoveryMaxDelay: Duration.Duration
  readonly logLevel: LogLevel.LogLevel
  readonly logFormat: "json" | "pretty"
  readonly httpHost: string
  readonly httpPort: number
  readonly otlpEndpoint: Option.Option<string>
  /** Bound on the graceful stop after SIGTERM/SIGINT. */
  readonly shutdownTimeout: Duration.Duration
  /** How often the progress line is logged (info level); zero: never. */
  readonly progressInterval: Duration.Duration
  /** The local stack (`local up`) that local parts come from when it runs (`HAYMAKER_LOCAL_DIR`). */
  readonly localStack: StackChoice
}

const serviceBusPrefix = "HAYMAKER_SERVICEBUS_"
const logsPrefix = "HAYMAKER_LOGS_"
const archivePrefix = "HAYMAKER_ARCHIVE_"
const busVariables = [`${serviceBusPrefix}CONNECTION_STRING`, `${serviceBusPrefix}NAMESPACE`]
const azureSinkVariables = [
  `${logsPrefix}INGESTION_ENDPOINT`,
  `${logsPrefix}DCR_IMMUTABLE_ID`,
  `${archivePrefix}CONNECTION_STRING`,
  `${archivePrefix}ACCOUNT_URL`,
]

const bounded = (min: number, max: number) => (n: number) =>
  n >= min && n <= max ? undefined : `must be between ${min} and ${max}, got ${n}`

const between = (min: Duration.Duration, max: Duration.Duration) => (d: Duration.Duration) =>
  Duration.between(d, { minimum: min, maximum: max })
    ? undefined
    : `must be between ${Duration.format(min)} and ${Duration.format(max)}, got ${Duration.format(d)}`

const formatIssue = SchemaIssue.makeFormatterDefault()

/**
 * A configuration failure as a problem line: the variable it is about (the failure's path; `name` when it has none),
 * then what is wrong with it. An absent value is `missing`.
 */
const describeConfigError = (name: string, error: Config.ConfigError): string => {
  const cause = error.cause
  if (cause._tag !== "SchemaError") return `${name}: ${cause.message}`
  const issue = cause.issue
  const [variable, problem] = issue._tag === "Pointer" ? [issue.path.join("."), issue.issue] : [name, issue]
  // Configuration text is always a string: a type error means no value at all.
  if (problem._tag === "InvalidType") return `${variable}: missing`
  return `${variable}: ${formatIssue(problem).replace(/^Expected/, "expected")}`
}

/** A port, or `0` (any free port: tests, several workers on one machine). */
const portOrAny = (name: string): Config.Config<number> =>
  Config.Literal("0", name).pipe(
    Config.map(() => 0),
    Config.orElse(() => Config.Port(name)),
  )

/** Reads one setting; a failure becomes a problem line naming the variable. */
const read = <A>(
  provider: ConfigProvider.ConfigProvider,
  problems: Array<string>,
  name: string,
  config: Config.Config<A>,
  fallback: A,
  check?: (value: A) => string | undefined,
): Effect.Effect<A> =>
  Effect.map(Effect.result(config.parse(provider)), (result) => {
    if (Result.isFailure(result)) {
      problems.push(describeConfigError(name, result.failure))
      return fallback
    }
    const problem = check?.(result.success)
    if (problem !== undefined) {
      problems.push(`${name}: ${problem}`)
      return fallback
    }
    return result.success
  })

/** An optional setting `name`: `Option.none()` when it is unset, or invalid (the problem noted). */
const readOptional = <A>(
  provider: ConfigProvider.ConfigProvider,
  problems: Array<string>,
  name: string,
  config: (name: string) => Config.Config<A>,
  check?: (value: Option.Option<A>) => string | undefined,
): Effect.Effect<Option.Option<A>> => read(provider, problems, name, Config.option(config(name)), Option.none(), check)

/**
 * Reads and validates the worker's settings from an environment. Never stops at the first problem: every invalid or
 * missing setting is reported in one `WorkerConfigError`.
 */
export const loadWorkerConfig = Effect.fn("WorkerConfig.load")(function* (
  env: Readonly<Record<string, string | undefined>>,
) {
  const provider = ConfigProvider.fromEnvRecord(env as Record<string, string | undefined>)
  const problems: Array<string> = []
  const int = (name: string, fallback: number, min: number, max: number) =>
    read(provider, problems, name, Config.Int(name).pipe(Config.withDefault(fallback)), fallback, bounded(min, max))
  const string = (name: string, fallback: string) =>
    read(provider, problems, name, Config.String(name).pipe(Config.withDefault(fallback)), fallback)
  // `NAME` as a duration (`20 seconds`), or `NAME_MS` in milliseconds as first documented.
  const duration = (name: string, fallback: Duration.Duration, min: Duration.Duration, max: Duration.Duration) =>
    read(provider, problems, name, durationConfig(name).pipe(Config.withDefault(fallback)), fallback, between(min, max))

  const topic = yield* read(provider, problems, `${serviceBusPrefix}TOPIC`, topicNameConfig, defaultTopicName)
  const subscription = yield* read(
    provider,
    problems,
    `${serviceBusPrefix}SUBSCRIPTION`,
    subscriptionNameConfig,
    defaultSubscriptionName,
  )
  const credential = yield* readAzureCredential(provider, problems)
  // Enough held messages for two full batches in flight: the sinks' cost is per call, so larger batches are what
  // lets the worker keep pace with the bus (see BENCHMARKS.md). Both Azure sinks take 500 rows in one call.
  const concurrency = yield* int("HAYMAKER_WORKER_CONCURRENCY", 1_000, 1, 5_000)
  const batchSize = yield* int("HAYMAKER_WORKER_BATCH_SIZE", 500, 1, 1_000)
  const { millis, seconds, minutes, hours, days, zero } = Duration
  const batchWait = yield* duration("HAYMAKER_WORKER_BATCH_WAIT", millis(200), millis(1), minutes(1))
  const batchConcurrency = yield* int("HAYMAKER_WORKER_BATCH_CONCURRENCY", 4, 1, 64)
  const sinkRetryBudget = yield* duration("HAYMAKER_SINK_RETRY_BUDGET", seconds(20), zero, minutes(5))
  const sinkWriteTimeout = yield* duration("HAYMAKER_SINK_WRITE_TIMEOUT", seconds(30), millis(100), minutes(10))
  const recoveryInitialDelay = yield* duration("HAYMAKER_RECOVERY_INITIAL_DELAY", seconds(1), millis(10), minutes(10))
  const recoveryMaxDelay = yield* duration("HAYMAKER_RECOVERY_MAX_DELAY", seconds(30), millis(10), hours(1))
  const shutdownTimeout = yield* duration("HAYMAKER_SHUTDOWN_TIMEOUT", seconds(30), seconds(1), minutes(10))
  const progressInterval = yield* duration("HAYMAKER_PROGRESS_INTERVAL", seconds(30), zero, days(1))
  const decodeLimits: DecodeLimits = {
    maxBodyBytes: yield* int("HAYMAKER_MAX_BODY_BYTES", defaultDecodeLimits.maxBodyBytes, 1_024, 100 * 1024 * 1024),
    maxDepth: yield* int("HAYMAKER_MAX_BODY_DEPTH", defaultDecodeLimits.maxDepth, 2, 1_000),
  }
  const maxDeliveryCount = yield* int("HAYMAKER_MAX_DELIVERY_COUNT", defaultMaxDeliveryCount, 1, 10_000)
  const invalidMessages = yield* read(
    provider,
    problems,
    "HAYMAKER_INVALID_MESSAGES",
    Config.Literals(["dead-letter", "complete"], "HAYMAKER_INVALID_MESSAGES").pipe(Config.withDefault("dead-letter")),
    "dead-letter" as InvalidMessagePolicy,
  )
  const logLevel = yield* read(
    provider,
    problems,
    "HAYMAKER_LOG_LEVEL",
    Config.LogLevel("HAYMAKER_LOG_LEVEL").pipe(Config.withDefault("Info")),
    "Info" as LogLevel.LogLevel,
  )
  const logFormat = yield* read(
    provider,
    problems,
    "HAYMAKER_LOG_FORMAT",
    Config.Literals(["json", "pretty"], "HAYMAKER_LOG_FORMAT").pipe(Config.withDefault("json")),
    "json" as "json" | "pretty",
  )
  const httpHost = yield* string("HAYMAKER_HTTP_HOST", "0.0.0.0")
  const httpPort = yield* read(
    provider,
    problems,
    "HAYMAKER_HTTP_PORT",
    portOrAny("HAYMAKER_HTTP_PORT").pipe(Config.withDefault(8080)),
    8080,
  )
  const otlpEndpoint = yield* readOptional(provider, problems, "OTEL_EXPORTER_OTLP_ENDPOINT", (name) =>
    Config.URL(name).pipe(Config.map((url) => url.href)),
  )

  const isSet = (name: string) => (env[name] ?? "") !== ""
  const externalBus = busVariables.some(isSet)
  const bus: BusTarget | undefined = externalBus
    ? yield* readServiceBusTarget(provider, problems, "")
    : { _tag: "LocalEmulator" }
  const sinkKind = yield* readOptional(provider, problems, "HAYMAKER_SINKS", (name) =>
    Config.Literals(["azure", "filesystem", "local"], name),
  )
  // The emulator's connection string (the local stack's, or any emulator's) goes with the local sinks by default.
  const azureBus = externalBus && !isEmulator(env[`${serviceBusPrefix}CONNECTION_STRING`])
  const sinks = yield* readSinkTarget(
    provider,
    problems,
    Option.getOrElse(sinkKind, () => (azureSinkVariables.some(isSet) ? "azure" : azureBus ? "required" : "local")),
  )

  if (problems.length > 0 || bus === undefined || sinks === undefined) {
    return yield* new WorkerConfigError({ problems })
  }
  return {
    bus,
    sinks,
    credential,
    topic,
    subscription,
    concurrency,
    batchSize,
    batchWait,
    batchConcurrency,
    invalidMessages,
    decodeLimits,
    maxDeliveryCount,
    sinkRetryBudget,
    sinkWriteTimeout,
    recoveryInitialDelay,
    recoveryMaxDelay,
    logLevel,
    logFormat,
    httpHost,
    httpPort,
    otlpEndpoint,
    shutdownTimeout,
    progressInterval,
    localStack: stackChoice(env),
  } satisfies WorkerConfig
})

/** A connection string of a Service Bus emulator (`UseDevelopmentEmulator=true`), ours or Microsoft's. */
export const isEmulator = (connectionString: string | undefined): boolean =>
  connectionString !== undefined && /(^|;)\s*UseDevelopmentEmulator\s*=\s*true\s*(;|$)/i.test(connectionString)

const clientIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** `HAYMAKER_AZURE_CREDENTIAL` (`default` or `managed-identity`) and `AZURE_CLIENT_ID`, the SDKs' own variable. */
const readAzureCredential = Effect.fnUntraced(function* (
  provider: ConfigProvider.ConfigProvider,
  problems: Array<string>,
) {
  const mode = yield* read(
    provider,
    problems,
    "HAYMAKER_AZURE_CREDENTIAL",
    Config.Literals(AZURE_CREDENTIAL_MODES, "HAYMAKER_AZURE_CREDENTIAL").pipe(Config.withDefault("default")),
    "default" as (typeof AZURE_CREDENTIAL_MODES)[number],
  )
  const clientId = yield* readOptional(provider, problems, "AZURE_CLIENT_ID", Config.String, (value) =>
    Option.isSome(value) && !clientIdPattern.test(value.value)
      ? "expected the client id of an identity (a GUID)"
      : undefined,
  )
  return mode === "managed-identity"
    ? ({ _tag: "ManagedIdentity", clientId } satisfies AzureCredentialChoice)
    : ({ _tag: "Default" } satisfies AzureCredentialChoice)
})

const readServiceBusTarget = Effect.fnUntraced(function* (
  provider: ConfigProvider.ConfigProvider,
  problems: Array<string>,
  requiredBecause: string,
) {
  const connectionString = yield* readOptional(
    provider,
    problems,
    `${serviceBusPrefix}CONNECTION_STRING`,
    Config.Redacted,
  )
  const namespace = yield* readOptional(provider, problems, `${serviceBusPrefix}NAMESPACE`, Config.String)
  if (Option.isSome(connectionString) && Option.isSome(namespace)) {
    problems.push(
      `${serviceBusPrefix}CONNECTION_STRING and ${serviceBusPrefix}NAMESPACE are both set: set exactly one (a namespace signs in with Microsoft Entra ID, see HAYMAKER_AZURE_CREDENTIAL)`,
    )
    return undefined
  }
  if (Option.isSome(connectionString)) {
    return { _tag: "ConnectionString", connectionString: connectionString.value } satisfies ServiceBusTarget
  }
  if (Option.isSome(namespace)) {
    return { _tag: "Namespace", fullyQualifiedNamespace: namespace.value } satisfies ServiceBusTarget
  }
  problems.push(
    `${serviceBusPrefix}CONNECTION_STRING or ${serviceBusPrefix}NAMESPACE: one is required${requiredBecause}`,
  )
  return undefined
})

/** What the bus-only commands (`publish`, `dlq`) need: the namespace, topic and subscription. */
export interface BusConfig {
  readonly serviceBus: ServiceBusTarget
  readonly credential: AzureCredentialChoice
  readonly topic: string
  readonly subscription: string
}

/**
 * The bus of `publish` and `dlq`: the one the environment names, or else the running local stack's (`local up`), with
 * its topic and subscription unless the environment names others.
 */
export const loadBusConfig = Effect.fn("WorkerConfig.loadBus")(function* (
  env: Readonly<Record<string, string | undefined>>,
) {
  const provider = ConfigProvider.fromEnvRecord(env as Record<string, string | undefined>)
  const problems: Array<string> = []
  const local = busVariables.some((name) => (env[name] ?? "") !== "")
    ? undefined
    : yield* findLocalStack(stackChoice(env))
  if (local !== undefined && local._tag === "Stopped") {
    return yield* new CommandError({
      message: `${stackNotRunning(env)} (or set ${serviceBusPrefix}CONNECTION_STRING or ${serviceBusPrefix}NAMESPACE for another Service Bus)`,
    })
  }
  const serviceBus =
    local === undefined
      ? yield* readServiceBusTarget(provider, problems, "")
      : ({
          _tag: "ConnectionString",
          connectionString: Redacted.make(local.state.serviceBusConnectionString),
        } satisfies ServiceBusTarget)
  const topic = yield* read(
    provider,
    problems,
    `${serviceBusPrefix}TOPIC`,
    Config.String(`${serviceBusPrefix}TOPIC`).pipe(Config.withDefault(local?.state.topic ?? defaultTopicName)),
    defaultTopicName,
  )
  const subscription = yield* read(
    provider,
    problems,
    `${serviceBusPrefix}SUBSCRIPTION`,
    Config.String(`${serviceBusPrefix}SUBSCRIPTION`).pipe(
      Config.withDefault(local?.state.subscription ?? defaultSubscriptionName),
    ),
    defaultSubscriptionName,
  )
  const credential = yield* readAzureCredential(provider, problems)
  if (serviceBus === undefined || problems.length > 0) return yield* new WorkerConfigError({ problems })
  return { serviceBus, credential, topic, subscription } satisfies BusConfig
})

const readSinkTarget = Effect.fnUntraced(function* (
  provider: ConfigProvider.ConfigProvider,
  problems: Array<string>,
  kind: "azure" | "filesystem" | "local" | "required",
) {
  switch (kind) {
    case "local":
      return { _tag: "LocalPeers" } satisfies SinkTarget
    case "filesystem": {
      const directory = yield* read(
        provider,
        problems,
        "HAYMAKER_LOCAL_SINK_DIR",
        Config.String("HAYMAKER_LOCAL_SINK_DIR").pipe(Config.withDefault(".haymaker/sinks")),
        ".haymaker/sinks",
      )
      return { _tag: "Filesystem", directory } satisfies SinkTarget
    }
    case "required":
      problems.push(
        `${logsPrefix}INGESTION_ENDPOINT, ${logsPrefix}DCR_IMMUTABLE_ID and ${archivePrefix}CONNECTION_STRING or ${archivePrefix}ACCOUNT_URL: the sinks are required with an Azure Service Bus (or set HAYMAKER_SINKS=filesystem)`,
      )
      return undefined
    case "azure": {
      const before = problems.length
      // An adapter's settings, all of its variables (`PREFIX_*`) at once.
      const settings = <A>(prefix: string, config: Config.Wrap<A>) =>
        read<A | undefined>(provider, problems, `${prefix}*`, Config.unwrap(config), undefined)
      const logAnalytics = yield* settings<LogAnalyticsSinkOptions>(logsPrefix, logAnalyticsEnvConfig)
      const archive = yield* settings<ArchiveSinkOptions>(archivePrefix, archiveEnvConfig)
      // Checked here by the adapters' own schemas, so every problem is reported before anything starts.
      const logsValid =
        logAnalytics !== undefined && (yield* valid(problems, resolveLogAnalyticsSettings(logAnalytics)))
      const archiveValid = archive !== undefined && (yield* valid(problems, resolveArchiveSettings(archive)))
      if (problems.length > before || !logsValid || !archiveValid) return undefined
      return { _tag: "Azure", logAnalytics, archive } satisfies SinkTarget
    }
  }
})

const valid = <A>(
  problems: Array<string>,
  effect: Effect.Effect<A, { readonly message: string }>,
): Effect.Effect<boolean> =>
  Effect.map(Effect.result(effect), (result) => {
    if (Result.isSuccess(result)) return true
    problems.push(result.failure.message)
    return false
  })
