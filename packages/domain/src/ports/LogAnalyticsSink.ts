import { Context, type Effect } from "effect"
import type { SinkRecord } from "./SinkRecord.ts"
import type { SinkWriteError } from "./SinkWriteError.ts"

/** Stores records in Azure Monitor Log Analytics (for queries and alerts). Writes are idempotent per message id. */
export class LogAnalyticsSink extends Context.Service<
  LogAnalyticsSink,
  {
    /** Succeeds when every record landed; otherwise fails naming the records that did not. */
    readonly write: (records: ReadonlyArray<SinkRecord>) => Effect.Effect<void, SinkWriteError>
  }
>()("@haymaker/domain/ports/LogAnalyticsSink") {}
