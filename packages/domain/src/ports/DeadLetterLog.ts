import { Context, type DateTime, type Effect } from "effect"
import type { SinkWriteError } from "./SinkWriteError.ts"

/** A message the worker moved to the dead-letter queue, as Log Analytics keeps it for queries over time. */
export interface DeadLetterRecord {
  /** The broker's sequence number as decimal text (the sinks' key). */
  readonly key: string
  readonly messageId: string
  readonly deliveryCount: number
  readonly enqueuedTime: DateTime.Utc
  readonly deadLetteredAt: DateTime.Utc
  /** The dead-letter reason (`InvalidJson`, `SchemaViolation`, `SinkRejected`, …) and its description. */
  readonly reason: string
  readonly description: string
  /** What is known of the event, when its body could be read that far. */
  readonly eventType: string | undefined
  readonly runId: string | undefined
  readonly scenarioName: string | undefined
  readonly resourceId: string | undefined
}

/**
 * Records dead-lettered messages in Log Analytics, so reasons can be charted over time next to the resources. Best
 * effort: the dead-letter queue itself is the record of every message; a failure here changes no settlement.
 */
export class DeadLetterLog extends Context.Service<
  DeadLetterLog,
  {
    readonly record: (records: ReadonlyArray<DeadLetterRecord>) => Effect.Effect<void, SinkWriteError>
  }
>()("@haymaker/domain/ports/DeadLetterLog") {}
