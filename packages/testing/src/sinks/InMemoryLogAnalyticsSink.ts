import { LogAnalyticsSink } from "@haymaker/domain"
import { Context, Effect, Layer } from "effect"
import { makeRecordingSink, type SinkRecorder } from "./RecordingSink.ts"

/** The recorder of the in-memory `LogAnalyticsSink`: what it stored, and the faults it should produce. */
export class InMemoryLogAnalytics extends Context.Service<InMemoryLogAnalytics, SinkRecorder>()(
  "@haymaker/testing/InMemoryLogAnalytics",
) {
  /** A `LogAnalyticsSink` that keeps the records in memory (sink name `LogAnalytics`), with its recorder. */
  static readonly layer: Layer.Layer<LogAnalyticsSink | InMemoryLogAnalytics> = Layer.effectContext(
    Effect.sync(() => {
      const { write, probe, recorder } = makeRecordingSink("LogAnalytics")
      return Context.make(LogAnalyticsSink, LogAnalyticsSink.of({ write, probe })).pipe(
        Context.add(InMemoryLogAnalytics, recorder),
      )
    }),
  )
}
