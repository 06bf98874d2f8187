import { Effect, Layer } from "effect"
import { runIdOf } from "../fixtures/agentEvent.ts"
import { InMemoryArchive } from "../sinks/InMemoryArchiveSink.ts"
import { InMemoryLogAnalytics } from "../sinks/InMemoryLogAnalyticsSink.ts"
import type { SinkRecorder } from "../sinks/RecordingSink.ts"
import { SinkFaultInjection, SinkProbe } from "./SinkProbe.ts"

const sinkProbes = (recorder: SinkRecorder) => {
  const probe = SinkProbe.of({
    stored: (keys) =>
      Effect.map(recorder.written, (written) => {
        const wanted = new Set(keys)
        return written
          .filter((record) => wanted.has(record.key))
          .map((record) => ({ key: record.key, messageId: record.messageId, runId: runIdOf(record.event) }))
      }),
  })
  const faults = SinkFaultInjection.of({
    failRecords: (keys, kind) => recorder.failRecords(keys, kind),
    clear: recorder.clearFaults,
  })
  return Layer.merge(Layer.succeed(SinkProbe)(probe), Layer.succeed(SinkFaultInjection)(faults))
}

/** The contract probe and fault injection of the in-memory Log Analytics sink. */
export const inMemoryLogAnalyticsProbe: Layer.Layer<SinkProbe | SinkFaultInjection, never, InMemoryLogAnalytics> =
  Layer.unwrap(Effect.map(InMemoryLogAnalytics, sinkProbes))

/** The contract probe and fault injection of the in-memory archive sink. */
export const inMemoryArchiveProbe: Layer.Layer<SinkProbe | SinkFaultInjection, never, InMemoryArchive> = Layer.unwrap(
  Effect.map(InMemoryArchive, sinkProbes),
)
