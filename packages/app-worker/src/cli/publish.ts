import { readFile } from "node:fs/promises"
import { resolve } from "node:path"
import { type AgentEvent, decodeMessageBody, EventPublisher } from "@haymaker/domain"
import { Console, Effect, Result } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { azureCredential } from "../config/AzureCredential.ts"
import { loadBusConfig } from "../config/WorkerConfig.ts"
import { publisherLayer, serviceBusConnection } from "../WorkerLayers.ts"
import { CommandError } from "./CommandError.ts"
import { ensureEmulatorAnswers } from "./reachEmulator.ts"

/** A line of the input that is not a valid event. */
export interface RejectedLine {
  readonly line: number
  readonly reason: string
  readonly problem: string
}

/** Validates JSON lines (blank lines ignored): every event, or every problem with its line number. */
export const validateJsonLines = (text: string) => {
  const events: Array<AgentEvent> = []
  const rejected: Array<RejectedLine> = []
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === "") return
    const decoded = decodeMessageBody(line)
    if (Result.isSuccess(decoded)) events.push(decoded.success)
    else rejected.push({ line: index + 1, reason: decoded.failure._tag, problem: decoded.failure.message })
  })
  return { events, rejected }
}

/** The file named relative to where the command runs (`./dev worker` keeps the caller's directory), or stdin. */
const readInput = (source: string) =>
  Effect.tryPromise({
    try: async () => {
      if (source !== "-") return readFile(resolve(source), "utf8")
      const chunks: Array<Buffer> = []
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks).toString("utf8")
    },
    catch: (cause) =>
      new CommandError({
        message: `cannot read ${source === "-" ? "standard input" : resolve(source)}: ${
          (cause as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(cause)
        }`,
      }),
  })

/** `haymaker-worker publish <file.jsonl | ->`: validates every line first, publishes only when all are valid. */
export const publishCommand = Command.make(
  "publish",
  {
    source: Argument.String("file").pipe(Argument.withDescription("JSON lines file of events, or - for stdin")),
    skipInvalid: Flag.Boolean("skip-invalid").pipe(
      Flag.withDescription("Publish the valid lines even when some are invalid"),
      Flag.withDefault(false),
    ),
  },
  ({ source, skipInvalid }) =>
    Effect.gen(function* () {
      const bus = yield* loadBusConfig(process.env)
      const { events, rejected } = validateJsonLines(yield* readInput(source))
      for (const line of rejected) yield* Console.error(`line ${line.line}: ${line.reason}: ${line.problem}`)
      if (rejected.length > 0 && !skipInvalid) {
        yield* Console.error(
          `${rejected.length} invalid line(s); nothing published (use --skip-invalid to publish the rest)`,
        )
        process.exitCode = 1
        return
      }
      yield* ensureEmulatorAnswers(bus.serviceBus)
      yield* EventPublisher.use((publisher) => publisher.publishAll(events)).pipe(
        Effect.provide(
          publisherLayer(
            bus.topic,
            serviceBusConnection(bus.serviceBus, () => azureCredential(bus.credential)),
          ),
        ),
        Effect.mapError((error) => new CommandError({ message: `publish: ${error.message}` })),
      )
      yield* Console.log(`published ${events.length} event(s) to ${bus.topic}`)
    }),
).pipe(Command.withDescription("Validate events from a JSON lines file (or stdin), then publish them to the topic"))
