import { DeadLetterQueue, type DeadLetterQueueError } from "@haymaker/domain"
import { Console, Effect, Layer } from "effect"
import { Command, Flag } from "effect/cli"
import { azureCredential } from "../config/AzureCredential.ts"
import { loadBusConfig } from "../config/WorkerConfig.ts"
import { deadLetterLine } from "../deadLetters/deadLetterLine.ts"
import { deadLetterQueueLayer, serviceBusConnection } from "../WorkerLayers.ts"
import { CommandError } from "./CommandError.ts"
import { ensureEmulatorAnswers } from "./reachEmulator.ts"

const max = Flag.Int("max").pipe(Flag.withDescription("At most this many messages"), Flag.withDefault(1_000))

/**
 * The subscription's dead-letter queue, as the environment configures the bus (or the running local stack's). An
 * emulator that does not answer is reported before the SDK spends its retries on it.
 */
const configuredQueue = Layer.unwrap(
  Effect.gen(function* () {
    const bus = yield* loadBusConfig(process.env)
    yield* ensureEmulatorAnswers(bus.serviceBus)
    return deadLetterQueueLayer(
      bus,
      serviceBusConnection(bus.serviceBus, () => azureCredential(bus.credential)),
    )
  }),
)

/** The broker's answer in one line (unreachable, unauthorized, no such entity), not a stack trace. */
const withQueue = <A>(
  command: string,
  use: (queue: DeadLetterQueue["Service"]) => Effect.Effect<A, DeadLetterQueueError>,
) =>
  Effect.flatMap(DeadLetterQueue, use).pipe(
    Effect.catchTag("DeadLetterQueueError", (error) =>
      Effect.fail(new CommandError({ message: `dlq ${command}: ${error.message}` })),
    ),
    Effect.provide(configuredQueue),
  )

const peek = Command.make("peek", { max }, ({ max }) =>
  withQueue("peek", (queue) =>
    Effect.gen(function* () {
      const letters = yield* queue.peek(max)
      for (const letter of letters) yield* Console.log(JSON.stringify(deadLetterLine(letter)))
      yield* Console.error(`${letters.length} dead-lettered message(s) in ${queue.description}`)
    }),
  ),
).pipe(Command.withDescription("Print dead-lettered messages (JSON lines) without removing them"))

const resubmit = Command.make("resubmit", { max }, ({ max }) =>
  withQueue("resubmit", (queue) =>
    Effect.gen(function* () {
      const moved = yield* queue.resubmit(max)
      yield* Console.log(`resubmitted ${moved} message(s) from ${queue.description}`)
    }),
  ),
).pipe(
  Command.withDescription(
    "Send what the dead-letter queue holds now to the topic again, then remove it from the DLQ (one pass)",
  ),
)

const purge = Command.make("purge", { max }, ({ max }) =>
  withQueue("purge", (queue) =>
    Effect.gen(function* () {
      const purged = yield* queue.purge(max)
      yield* Console.log(`purged ${purged} message(s) from ${queue.description}`)
    }),
  ),
).pipe(Command.withDescription("Delete dead-lettered messages for good"))

export const dlqCommand = Command.make("dlq").pipe(
  Command.withDescription("Inspect and repair the subscription's dead-letter queue"),
  Command.withSubcommands([peek, resubmit, purge]),
)
