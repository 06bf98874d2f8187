import { Agent } from "node:https"
import type { TokenCredential } from "@azure/core-auth"
import { createDefaultHttpClient, createHttpHeaders, createPipelineRequest, RestError } from "@azure/core-rest-pipeline"
import { DefaultAzureCredential } from "@azure/identity"
import { isAggregateLogsUploadError, LogsIngestionClient } from "@azure/monitor-ingestion"
import { type DeadLetterLog, type LogAnalyticsSink, layerFromConfig } from "@haymaker/domain"
import { type Config, Duration, Effect, type Layer, type Scope } from "effect"
import { type FailedMessage, failureOf, jsonProblem, probeError, unencodable } from "../SinkFailures.ts"
import { type SinkWithDeadLetters, sinkAndDeadLetterLog } from "./DeadLetterLogLayer.ts"
import { type LogAnalyticsSinkOptions, resolveLogAnalyticsSettings } from "./LogAnalyticsConfig.ts"
import type { LogAnalyticsConfigError } from "./LogAnalyticsErrors.ts"
import { type Row, rowSink } from "./RowSink.ts"

/** The API version the SDK speaks (2023-01-01), for the probe's request. */
const LOGS_INGESTION_API_VERSION = "2023-01-01"

/** The service's error code from an error response body (`{"error":{"code":…}}`). */
const errorCodeOf = (body: string | undefined): string | undefined => {
  try {
    const code = (JSON.parse(body ?? "") as { error?: { code?: unknown } }).error?.code
    return typeof code === "string" ? code : undefined
  } catch {
    return undefined
  }
}

/**
 * The LogAnalyticsSink over one LogsIngestionClient. Each write sends the resource rows and the agent log rows of its
 * records to their streams, many rows per call (the SDK cuts calls at about 1 MB and runs `maxConcurrency` of them).
 * The client's pipeline retries 408/5xx with exponential backoff and 429/503 after `Retry-After`; `onError` reports
 * every chunk that still failed, and each row's `sequence_number` maps that failure back to exactly its record. Records
 * that produce no row (unknown event types) count as landed.
 */
export const make = Effect.fnUntraced(function* (
  options: LogAnalyticsSinkOptions,
): Effect.fn.Return<SinkWithDeadLetters, LogAnalyticsConfigError, Scope.Scope> {
  const { credential, trustedCa, ...input } = options
  const settings = yield* resolveLogAnalyticsSettings(input)
  const tokenCredential: TokenCredential = credential ?? new DefaultAzureCredential()
  // Our own keep-alive agent, so closing the scope also closes the sockets the client pooled.
  const agent = yield* Effect.acquireRelease(
    Effect.sync(() => new Agent({ keepAlive: true, ...(trustedCa === undefined ? {} : { ca: trustedCa }) })),
    (agent) => Effect.sync(() => agent.destroy()),
  )
  const client = new LogsIngestionClient(settings.endpoint, tokenCredential, {
    agent,
    retryOptions: {
      maxRetries: settings.maxRetries,
      retryDelayInMs: Duration.toMillis(settings.retryDelay),
      maxRetryDelayInMs: Duration.toMillis(settings.maxRetryDelay),
    },
    userAgentOptions: { userAgentPrefix: "haymaker-event-bus" },
  })

  const upload = async (stream: string, rows: ReadonlyArray<Row>, signal: AbortSignal) => {
    if (rows.length === 0) return []
    const failed: Array<FailedMessage> = []
    try {
      await client.upload(settings.dataCollectionRuleId, stream, [...rows], {
        maxConcurrency: settings.maxConcurrency,
        abortSignal: signal,
        onError: ({ failedLogs, cause }) => {
          for (const row of failedLogs) failed.push(failureOf(String(row.sequence_number), cause))
        },
      })
    } catch (error) {
      // The aggregate error repeats what onError already reported; anything else failed the whole call.
      if (!isAggregateLogsUploadError(error)) throw error
    }
    return failed
  }

  const uploadStream = (stream: string, rows: ReadonlyArray<Row>) =>
    Effect.promise(async (signal): Promise<ReadonlyArray<FailedMessage>> => {
      try {
        return await upload(stream, rows, signal)
      } catch (error) {
        // The SDK writes every row as JSON up front to cut the calls, so one row JSON cannot write (too deep, a
        // bigint) throws for all of them: refuse that row alone and send the others.
        const refused: Array<FailedMessage> = []
        const writable = rows.filter((row) => {
          const problem = jsonProblem(row)
          if (problem !== undefined) refused.push(unencodable(row.sequence_number, problem))
          return problem === undefined
        })
        if (refused.length === 0) return rows.map((row) => failureOf(row.sequence_number, error))
        const others = await upload(stream, writable, signal).catch((again: unknown) =>
          writable.map((row) => failureOf(row.sequence_number, again)),
        )
        return [...refused, ...others]
      }
    })

  // An upload of no rows to each stream, through the client's own pipeline (credential, agent, gzip, retries): the
  // service checks the token, the rule and the stream, and stores nothing. The SDK's `upload` sends nothing for no
  // rows. A 400 still proves all three, so only other failures count.
  const httpClient = createDefaultHttpClient()
  const probeStream = (stream: string, abortSignal: AbortSignal) =>
    client.pipeline
      .sendRequest(
        httpClient,
        createPipelineRequest({
          url: `${settings.endpoint}/dataCollectionRules/${encodeURIComponent(settings.dataCollectionRuleId)}/streams/${encodeURIComponent(stream)}?api-version=${LOGS_INGESTION_API_VERSION}`,
          method: "POST",
          body: "[]",
          // The client's pipeline gzips every body; like the SDK's own calls, say so.
          headers: createHttpHeaders({
            "content-type": "application/json",
            "content-encoding": "gzip",
            accept: "application/json",
          }),
          abortSignal,
        }),
      )
      .then((response) => {
        if (response.status < 300 || response.status === 400) return
        const body = response.bodyAsText ?? undefined
        const code = errorCodeOf(body)
        throw new RestError(body?.slice(0, 500) || `HTTP ${response.status}`, {
          statusCode: response.status,
          ...(code === undefined ? {} : { code }),
        })
      })
  const probe = Effect.tryPromise({
    try: (signal) =>
      Promise.all([probeStream(settings.resourcesStream, signal), probeStream(settings.agentLogsStream, signal)]),
    catch: (error) => probeError("LogAnalytics", error),
  }).pipe(Effect.asVoid, Effect.withSpan("LogAnalyticsSink.probe"))

  return rowSink({
    names: { sink: "LogAnalyticsSink", deadLetterLog: "DeadLetterLog" },
    streams: settings,
    writeRows: uploadStream,
    probe,
  })
})

/**
 * The Log Analytics sink from explicit options (validated; a bad setting fails the layer with a config error), and
 * the dead-letter log over the same client.
 */
export const layer = (
  options: LogAnalyticsSinkOptions,
): Layer.Layer<LogAnalyticsSink | DeadLetterLog, LogAnalyticsConfigError> => sinkAndDeadLetterLog(make(options))

/**
 * {@link layer}, its options read from configuration (a `Config` per field, or one for them all):
 * `layerConfig(logAnalyticsEnvConfig)` reads the `HAYMAKER_LOGS_*` variables and signs in with
 * `DefaultAzureCredential` unless the options give a `credential` (`Config.succeed(credential)`).
 */
export const layerConfig: (
  config: Config.Wrap<LogAnalyticsSinkOptions>,
) => Layer.Layer<LogAnalyticsSink | DeadLetterLog, LogAnalyticsConfigError | Config.ConfigError> =
  layerFromConfig(layer)
