import { Agent } from "node:https"
import type { TokenCredential } from "@azure/core-auth"
import { DefaultAzureCredential } from "@azure/identity"
import { isAggregateLogsUploadError, LogsIngestionClient } from "@azure/monitor-ingestion"
import { Clock, Effect, type Scope } from "effect"
import type { SinkMessage } from "../SinkMessage.ts"
import type { FailedMessage, SinkWriteResult } from "../SinkResult.ts"
import { type LogAnalyticsSinkOptions, resolveLogAnalyticsSettings } from "./LogAnalyticsConfig.ts"
import { type LogAnalyticsConfigError, LogAnalyticsWriteError } from "./LogAnalyticsErrors.ts"
import { agentLogRow, resourceRow } from "./Rows.ts"

export interface LogAnalyticsWriter {
  /**
   * Uploads the rows of these messages (resource rows and agent log rows, many per call). Succeeds when every
   * message landed; otherwise fails with LogAnalyticsWriteError naming the failed and the landed messages.
   * Messages that produce no row (other event types) count as landed.
   */
  readonly write: (messages: ReadonlyArray<SinkMessage>) => Effect.Effect<SinkWriteResult, LogAnalyticsWriteError>
}

type Row = Record<string, unknown> & { readonly message_id: string }

interface RestErrorLike {
  readonly statusCode?: number
  readonly code?: string
  readonly message: string
}

const failureOf = (messageId: string, cause: unknown): FailedMessage => {
  const error = cause as RestErrorLike
  return {
    messageId,
    reason: typeof error?.message === "string" && error.message !== "" ? error.message : String(cause),
    ...(typeof error?.statusCode === "number" ? { status: error.statusCode } : {}),
    ...(typeof error?.code === "string" ? { code: error.code } : {}),
  }
}

/**
 * Builds the writer over one LogsIngestionClient. The client's pipeline retries 408/5xx with exponential backoff and
 * 429/503 after `Retry-After`; `onError` reports each chunk that still failed, and its rows carry `message_id`, which
 * maps the failure back to the input messages.
 */
export const makeLogAnalyticsWriter = Effect.fnUntraced(function* (
  options: LogAnalyticsSinkOptions,
): Effect.fn.Return<LogAnalyticsWriter, LogAnalyticsConfigError, Scope.Scope> {
  const settings = yield* resolveLogAnalyticsSettings(stripRuntimeOptions(options))
  const credential: TokenCredential = options.credential ?? new DefaultAzureCredential()
  // Our own keep-alive agent, so closing the scope also closes the sockets the client pooled.
  const agent = yield* Effect.acquireRelease(
    Effect.sync(
      () => new Agent({ keepAlive: true, ...(options.trustedCa === undefined ? {} : { ca: options.trustedCa }) }),
    ),
    (agent) => Effect.sync(() => agent.destroy()),
  )
  const client = new LogsIngestionClient(settings.endpoint, credential, {
    agent,
    retryOptions: {
      maxRetries: settings.maxRetries,
      retryDelayInMs: settings.retryDelayMs,
      maxRetryDelayInMs: settings.maxRetryDelayMs,
    },
    userAgentOptions: { userAgentPrefix: "haymaker-event-bus" },
  })

  const uploadStream = (stream: string, rows: ReadonlyArray<Row>) =>
    Effect.promise(async (signal): Promise<ReadonlyArray<FailedMessage>> => {
      if (rows.length === 0) return []
      const failed: Array<FailedMessage> = []
      try {
        await client.upload(settings.dataCollectionRuleId, stream, [...rows], {
          maxConcurrency: settings.maxConcurrency,
          abortSignal: signal,
          onError: ({ failedLogs, cause }) => {
            for (const row of failedLogs) failed.push(failureOf(String(row.message_id), cause))
          },
        })
      } catch (error) {
        // The aggregate error repeats what onError already reported; anything else failed the whole call.
        if (!isAggregateLogsUploadError(error)) return rows.map((row) => failureOf(row.message_id, error))
      }
      return failed
    })

  const write = Effect.fn("LogAnalyticsSink.write")(function* (messages: ReadonlyArray<SinkMessage>) {
    const now = yield* Clock.currentTimeMillis
    const ingestedAt = () => new Date(now).toISOString()
    const resourceRows: Array<Row> = []
    const agentLogRows: Array<Row> = []
    for (const message of messages) {
      const resource = resourceRow(message, ingestedAt)
      if (resource !== undefined) resourceRows.push(resource as Row)
      const agentLog = agentLogRow(message, ingestedAt)
      if (agentLog !== undefined) agentLogRows.push(agentLog as Row)
    }
    const [resourceFailures, agentLogFailures] = yield* Effect.all(
      [uploadStream(settings.resourcesStream, resourceRows), uploadStream(settings.agentLogsStream, agentLogRows)],
      { concurrency: 2 },
    )
    const failedById = new Map<string, FailedMessage>()
    for (const failure of [...resourceFailures, ...agentLogFailures]) {
      if (!failedById.has(failure.messageId)) failedById.set(failure.messageId, failure)
    }
    const landed = [...new Set(messages.map((m) => m.messageId))].filter((id) => !failedById.has(id))
    const result: SinkWriteResult = { landed, failed: [...failedById.values()] }
    if (result.failed.length > 0) {
      return yield* LogAnalyticsWriteError.fromResult(result, landed.length + result.failed.length)
    }
    return result
  })

  return { write }
})

const stripRuntimeOptions = ({
  credential: _credential,
  trustedCa: _trustedCa,
  ...settings
}: LogAnalyticsSinkOptions) => settings
