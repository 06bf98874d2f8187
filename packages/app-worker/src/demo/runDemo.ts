import { mkdir, readFile, writeFile } from "node:fs/promises"
import { join, resolve } from "node:path"
import { ServiceBusClient } from "@azure/service-bus"
import { AgentLogsStream, ResourcesStream, type StreamDefinition } from "@haymaker/adapters-sinks"
import {
  type AgentEvent,
  type ArchivedEvent,
  DeadLetterQueue,
  decodeAgentEvent,
  EventPublisher,
  type JsonObject,
  ResourceLedger,
} from "@haymaker/domain"
import { sampleRun } from "@haymaker/domain/fixtures"
import { Clock, Deferred, Duration, Effect, Fiber, Result } from "effect"
import type { WorkerConfig } from "../config/WorkerConfig.ts"
import { deadLetterLine } from "../deadLetters/deadLetterLine.ts"
import { serveWorker } from "../serveWorker.ts"
import { deadLetterQueueLayer, publisherLayer, startEndpoints } from "../WorkerLayers.ts"
import { formatSummary } from "./formatSummary.ts"
import { generateRunEvents, invalidBodies } from "./generateEvents.ts"
import { readArchive } from "./readArchive.ts"

export interface DemoOptions {
  readonly generatedEvents: number
  readonly outputDir: string
  readonly timeoutMs: number
}

const decodeAll = (events: ReadonlyArray<JsonObject>): Array<AgentEvent> =>
  events.map((event) => {
    const decoded = decodeAgentEvent(event)
    if (Result.isFailure(decoded)) throw new Error(`demo fixture is invalid: ${decoded.failure.message}`)
    return decoded.success
  })

/**
 * The local profile end to end: starts the peers and the worker, publishes the seed's sample run, a burst of
 * generated runs and a few broken messages through the SDK, waits until every message is settled, then reads back
 * what landed in Log Analytics, the archive and the dead-letter queue, writes it under `outputDir` and summarises.
 */
export const runDemo = Effect.fn("Demo.run")(function* (config: WorkerConfig, options: DemoOptions) {
  const endpoints = yield* startEndpoints(config)
  const bus = endpoints.localBus
  const peers = endpoints.localSinks
  const folder = endpoints.sinks._tag === "Filesystem" ? resolve(endpoints.sinks.directory) : undefined
  if (bus === undefined || (peers === undefined && folder === undefined)) {
    return yield* Effect.die("the demo runs on the local emulator, with local peers or the filesystem sinks")
  }
  const wire = [...(sampleRun as ReadonlyArray<JsonObject>), ...generateRunEvents(options.generatedEvents)]
  const expected = wire.length + invalidBodies.length
  let settled = 0
  const allSettled = yield* Deferred.make<void>()
  const worker = yield* serveWorker(config, endpoints, (_, totals) =>
    Effect.suspend(() => {
      settled = totals.completed + totals.deadLettered
      return settled >= expected ? Deferred.succeed(allSettled, undefined) : Effect.void
    }),
  ).pipe(Effect.forkScoped)

  const startedAt = yield* Clock.currentTimeMillis
  yield* EventPublisher.use((publisher) => publisher.publishAll(decodeAll(wire))).pipe(
    Effect.provide(publisherLayer(config.topic, endpoints.serviceBus)),
  )
  // Broken agents do not use our publisher: send their bodies with the raw SDK, as they would.
  const client = yield* Effect.acquireRelease(
    Effect.sync(() => new ServiceBusClient(bus.connectionString)),
    (c) => Effect.promise(() => c.close()),
  )
  yield* Effect.promise(() =>
    client.createSender(config.topic).sendMessages(invalidBodies.map(({ body }) => ({ body }))),
  )

  const remainingMs = startedAt + options.timeoutMs - (yield* Clock.currentTimeMillis)
  // A worker that stops early (a defect at start-up, say) ends the demo with its cause, not a silent wait.
  const workerStopped = Fiber.join(worker).pipe(
    Effect.andThen(Effect.die(new Error("the worker stopped before every message was settled"))),
  )
  yield* Deferred.await(allSettled).pipe(
    Effect.timeoutOption(Duration.millis(Math.max(0, remainingMs))),
    Effect.raceFirst(workerStopped),
  )
  const elapsedMs = (yield* Clock.currentTimeMillis) - startedAt
  yield* Fiber.interrupt(worker)

  // The rows as the Logs Ingestion server received them, or as the filesystem sink appended them.
  const rowsOf = (definition: StreamDefinition) =>
    Effect.promise(async (): Promise<ReadonlyArray<unknown>> => {
      if (peers !== undefined) return peers.logsIngestion.rows(definition.stream)
      const text = await readFile(join(folder ?? "", "log-analytics", `${definition.table}.jsonl`), "utf8").catch(
        () => "",
      )
      return text.split("\n").flatMap((line) => (line === "" ? [] : [JSON.parse(line) as unknown]))
    })
  const resourceRows = yield* rowsOf(ResourcesStream)
  const logRows = yield* rowsOf(AgentLogsStream)
  // A redelivered message may have been archived twice (see the archive layouts): count each message once.
  const archived = [
    ...new Map((yield* readArchive(endpoints.sinks)).map((entry) => [entry.sequenceNumber, entry])).values(),
  ]
  const deadLetters = (yield* DeadLetterQueue.use((queue) => queue.peek(1_000)).pipe(
    Effect.provide(deadLetterQueueLayer(config, endpoints.serviceBus)),
  )).map(deadLetterLine)

  const byType = new Map<string, number>()
  for (const entry of archived) {
    const eventType = entry.eventType ?? "(none)"
    byType.set(eventType, (byType.get(eventType) ?? 0) + 1)
  }
  // The Resources as the worker parsed and archived them.
  const ledger = ResourceLedger.fromResources(archived.flatMap((entry) => entry.resource ?? []))

  const outputDir = resolve(options.outputDir)
  yield* Effect.promise(() => writeOutputs(outputDir, { resourceRows, logRows, archived, deadLetters }))
  return formatSummary({
    published: expected,
    settled,
    elapsedMs,
    byType,
    ledger,
    resourceRows: resourceRows.length,
    logRows: logRows.length,
    archivedBlobs: archived.length,
    deadLetters,
    outputDir,
    endpoints: {
      serviceBus: bus.connectionString,
      archive: peers === undefined ? `files under ${join(folder ?? "", "archive")}` : `Azurite ${peers.blobEndpoint}`,
      logAnalytics:
        peers === undefined
          ? `files under ${join(folder ?? "", "log-analytics")}`
          : `local Logs Ingestion server ${peers.logsIngestionEndpoint}`,
    },
    afterwards:
      peers === undefined
        ? "the files stay: `haymaker-worker report` with the same HAYMAKER_SINKS and HAYMAKER_LOCAL_SINK_DIR reads them"
        : "the local peers live only while the demo runs; `haymaker-worker run` keeps them up",
  })
})

const jsonLines = (rows: ReadonlyArray<unknown>) => `${rows.map((row) => JSON.stringify(row)).join("\n")}\n`

const writeOutputs = async (
  dir: string,
  outputs: {
    readonly resourceRows: ReadonlyArray<unknown>
    readonly logRows: ReadonlyArray<unknown>
    readonly archived: ReadonlyArray<ArchivedEvent>
    readonly deadLetters: ReadonlyArray<unknown>
  },
) => {
  await mkdir(join(dir, "log-analytics"), { recursive: true })
  await writeFile(join(dir, "log-analytics", `${ResourcesStream.stream}.jsonl`), jsonLines(outputs.resourceRows))
  await writeFile(join(dir, "log-analytics", `${AgentLogsStream.stream}.jsonl`), jsonLines(outputs.logRows))
  await writeFile(
    join(dir, "archive.jsonl"),
    jsonLines(
      outputs.archived.map(({ location, messageId, sequenceNumber, event }) => ({
        location,
        messageId,
        sequenceNumber,
        event,
      })),
    ),
  )
  await writeFile(join(dir, "dead-letters.jsonl"), jsonLines(outputs.deadLetters))
}
