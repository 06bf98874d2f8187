import {
  DeadLetterLog,
  type DeadLetterRecord,
  LogAnalyticsSink,
  type SinkRecord,
  type SinkWriteError,
} from "@haymaker/domain"
import { Effect } from "effect"
import { type FailedMessage, sinkWriteError, unencodable } from "../SinkFailures.ts"
import type { SinkWithDeadLetters } from "./DeadLetterLogLayer.ts"
import { agentLogRow, deadLetterRow, resourceRow } from "./Rows.ts"

/** A row of any stream: every one carries its record's key as `sequence_number`. */
export type Row = Record<string, unknown> & { readonly sequence_number: string }

/** Where each stream's rows go (a stream's name, a table's file). */
export interface RowStreams {
  readonly resourcesStream: string
  readonly agentLogsStream: string
  readonly deadLettersStream: string
}

/**
 * A Log Analytics sink and its dead-letter log over `writeRows`, which writes rows to one of `streams` (an upload,
 * a file append) and returns the rows that did not land. A write turns its records into rows (a record no row can
 * be made from is refused alone; one without a row counts as landed), writes the resource and the agent log rows at
 * once, and fails naming each record that did not land, once.
 */
export const rowSink = (options: {
  /** The span names' prefixes: `${sink}.write`, `${deadLetterLog}.record`. */
  readonly names: { readonly sink: string; readonly deadLetterLog: string }
  readonly streams: RowStreams
  readonly writeRows: (stream: string, rows: ReadonlyArray<Row>) => Effect.Effect<ReadonlyArray<FailedMessage>>
  readonly probe: Effect.Effect<void, SinkWriteError>
}): SinkWithDeadLetters => {
  const { streams, writeRows } = options

  const write = Effect.fn(`${options.names.sink}.write`)(function* (records: ReadonlyArray<SinkRecord>) {
    const resources: Array<Row> = []
    const agentLogs: Array<Row> = []
    const refused: Array<FailedMessage> = []
    for (const record of records) {
      try {
        const resource = resourceRow(record)
        const agentLog = agentLogRow(record)
        if (resource !== undefined) resources.push(resource as Row)
        if (agentLog !== undefined) agentLogs.push(agentLog as Row)
      } catch (error) {
        refused.push(unencodable(record.key, error))
      }
    }
    const failures = yield* Effect.all(
      [writeRows(streams.resourcesStream, resources), writeRows(streams.agentLogsStream, agentLogs)],
      {
        concurrency: 2,
      },
    )
    const failedByKey = new Map<string, FailedMessage>()
    for (const failure of [...failures.flat(), ...refused]) {
      if (!failedByKey.has(failure.key)) failedByKey.set(failure.key, failure)
    }
    if (failedByKey.size > 0) {
      const total = new Set(records.map((record) => record.key)).size
      return yield* sinkWriteError("LogAnalytics", [...failedByKey.values()], total)
    }
  })

  // Dead letters go to their own stream the same way: best effort (see DeadLetterLog).
  const record = Effect.fn(`${options.names.deadLetterLog}.record`)(function* (
    records: ReadonlyArray<DeadLetterRecord>,
  ) {
    const failed = yield* writeRows(streams.deadLettersStream, records.map(deadLetterRow) as Array<Row>)
    if (failed.length > 0) return yield* sinkWriteError("DeadLetterLog", failed, records.length)
  })

  return { ...LogAnalyticsSink.of({ write, probe: options.probe }), deadLetters: DeadLetterLog.of({ record }) }
}
