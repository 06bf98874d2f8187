import { constants } from "node:fs"
import { access, appendFile, mkdir, open } from "node:fs/promises"
import { join, resolve } from "node:path"
import {
  DeadLetterLog,
  type DeadLetterRecord,
  LogAnalyticsSink,
  layerFromConfig,
  type SinkRecord,
} from "@haymaker/domain"
import { type Config, Effect, type Layer } from "effect"
import { type SinkWithDeadLetters, sinkAndDeadLetterLog } from "../logAnalytics/DeadLetterLogLayer.ts"
import { agentLogRow, deadLetterRow, resourceRow } from "../logAnalytics/Rows.ts"
import { AgentLogsStream, DeadLettersStream, ResourcesStream } from "../logAnalytics/Streams.ts"
import { type FailedMessage, failureOf, probeError, sinkWriteError, unencodable } from "../SinkFailures.ts"
import { type FileSinkConfigError, resolveFileSinkSettings } from "./FileSinkConfig.ts"

const terminateLastLine = async (path: string): Promise<void> => {
  const file = await open(path, "r+").catch(() => undefined)
  if (file === undefined) return
  try {
    const { size } = await file.stat()
    if (size === 0) return
    const last = Buffer.alloc(1)
    await file.read(last, 0, 1, size - 1)
    if (last[0] !== 0x0a) await file.write("\n", size)
  } finally {
    await file.close()
  }
}

/**
 * The LogAnalyticsSink of the local profile: the same rows the Logs Ingestion API would receive, appended as JSON
 * lines to `{directory}/log-analytics/{table}.jsonl` (one append per table and write). Like the real service it
 * keeps duplicates of redelivered messages; `sequence_number` removes them at query time.
 */
export const make = Effect.fnUntraced(function* (
  options: unknown,
): Effect.fn.Return<SinkWithDeadLetters, FileSinkConfigError> {
  const { directory } = yield* resolveFileSinkSettings(options)
  const folder = resolve(directory, "log-analytics")
  // A writer killed mid-append leaves a partial last line: end it, so that the next rows start on a line of their own.
  yield* Effect.promise(() =>
    Promise.all(
      [ResourcesStream.table, AgentLogsStream.table, DeadLettersStream.table].map((table) =>
        terminateLastLine(join(folder, `${table}.jsonl`)),
      ),
    ),
  )

  const append = (table: string, rows: ReadonlyArray<Record<string, unknown>>) =>
    Effect.promise(async (): Promise<Array<FailedMessage>> => {
      // A row JSON cannot write is refused alone; the others are appended.
      const refused: Array<FailedMessage> = []
      const lines: Array<string> = []
      const appended: Array<Record<string, unknown>> = []
      for (const row of rows) {
        try {
          lines.push(`${JSON.stringify(row)}\n`)
          appended.push(row)
        } catch (error) {
          refused.push(unencodable(String(row.sequence_number), error))
        }
      }
      if (lines.length === 0) return refused
      try {
        await mkdir(folder, { recursive: true })
        await appendFile(join(folder, `${table}.jsonl`), lines.join(""))
        return refused
      } catch (error) {
        return [...refused, ...appended.map((row) => failureOf(String(row.sequence_number), error))]
      }
    })

  const write = Effect.fn("FileLogAnalyticsSink.write")(function* (records: ReadonlyArray<SinkRecord>) {
    const resources: Array<Record<string, unknown>> = []
    const agentLogs: Array<Record<string, unknown>> = []
    const refused: Array<FailedMessage> = []
    for (const record of records) {
      try {
        const resource = resourceRow(record)
        const agentLog = agentLogRow(record)
        if (resource !== undefined) resources.push(resource)
        if (agentLog !== undefined) agentLogs.push(agentLog)
      } catch (error) {
        refused.push(unencodable(record.key, error))
      }
    }
    const failed = [
      ...refused,
      ...(yield* Effect.all([append(ResourcesStream.table, resources), append(AgentLogsStream.table, agentLogs)])),
    ].flat()
    if (failed.length > 0) {
      return yield* sinkWriteError("LogAnalytics", failed, new Set(records.map((r) => r.key)).size)
    }
  })

  const probe = Effect.tryPromise({
    try: async () => {
      await mkdir(folder, { recursive: true })
      await access(folder, constants.W_OK)
    },
    catch: (error) => probeError("LogAnalytics", error),
  })

  const record = Effect.fn("FileDeadLetterLog.record")(function* (records: ReadonlyArray<DeadLetterRecord>) {
    const failed = yield* append(DeadLettersStream.table, records.map(deadLetterRow))
    if (failed.length > 0) return yield* sinkWriteError("DeadLetterLog", failed, records.length)
  })

  return { ...LogAnalyticsSink.of({ write, probe }), deadLetters: DeadLetterLog.of({ record }) }
})

/** The sink and, in the same folder (`HayMakerDeadLetters_CL.jsonl`), the dead-letter log. */
export const layer = (options: {
  readonly directory: string
}): Layer.Layer<LogAnalyticsSink | DeadLetterLog, FileSinkConfigError> => sinkAndDeadLetterLog(make(options))

/** {@link layer}, its options read from configuration (`fileSinkEnvConfig`: `HAYMAKER_LOCAL_SINK_DIR`). */
export const layerConfig: (
  config: Config.Wrap<{ readonly directory: string }>,
) => Layer.Layer<LogAnalyticsSink | DeadLetterLog, FileSinkConfigError | Config.ConfigError> = layerFromConfig(layer)
