import { constants } from "node:fs"
import { access, appendFile, mkdir, open } from "node:fs/promises"
import { join, resolve } from "node:path"
import { type DeadLetterLog, type LogAnalyticsSink, layerFromConfig } from "@haymaker/domain"
import { type Config, Effect, type Layer } from "effect"
import { type SinkWithDeadLetters, sinkAndDeadLetterLog } from "../logAnalytics/DeadLetterLogLayer.ts"
import { type RowStreams, rowSink } from "../logAnalytics/RowSink.ts"
import { AgentLogsStream, DeadLettersStream, ResourcesStream } from "../logAnalytics/Streams.ts"
import { type FailedMessage, failureOf, probeError, unencodable } from "../SinkFailures.ts"
import { type FileSinkConfigError, resolveFileSinkSettings } from "./FileSinkConfig.ts"

/** Each stream's rows go to a file named for its table. */
const tables: RowStreams = {
  resourcesStream: ResourcesStream.table,
  agentLogsStream: AgentLogsStream.table,
  deadLettersStream: DeadLettersStream.table,
}

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
    Promise.all(Object.values(tables).map((table) => terminateLastLine(join(folder, `${table}.jsonl`)))),
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

  const probe = Effect.tryPromise({
    try: async () => {
      await mkdir(folder, { recursive: true })
      await access(folder, constants.W_OK)
    },
    catch: (error) => probeError("LogAnalytics", error),
  })

  return rowSink({
    names: { sink: "FileLogAnalyticsSink", deadLetterLog: "FileDeadLetterLog" },
    streams: tables,
    writeRows: append,
    probe,
  })
})

/** The sink and, in the same folder (`HayMakerDeadLetters_CL.jsonl`), the dead-letter log. */
export const layer = (options: {
  readonly directory: string
}): Layer.Layer<LogAnalyticsSink | DeadLetterLog, FileSinkConfigError> => sinkAndDeadLetterLog(make(options))

/** {@link layer}, its options read from configuration (`fileSinkEnvConfig`: `HAYMAKER_LOCAL_SINK_DIR`). */
export const layerConfig: (
  config: Config.Wrap<{ readonly directory: string }>,
) => Layer.Layer<LogAnalyticsSink | DeadLetterLog, FileSinkConfigError | Config.ConfigError> = layerFromConfig(layer)
