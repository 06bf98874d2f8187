import { DeadLetterQueue } from "@haymaker/domain"
import { Console, Effect, Layer } from "effect"
import { Command, Flag } from "effect/cli"
import { azureCredential } from "../config/AzureCredential.ts"
import { loadBusConfig } from "../config/WorkerConfig.ts"
import { deadLetterLine } from "../deadLetters/deadLetterLine.ts"
import { deadLetterQueueLayer, serviceBusConnection } from "../WorkerLayers.ts"

const max = Flag.Int("max").pipe(Flag.withDescription("At most this many messages"), Flag.withDefault(1_000))

/** The subscription's dead-letter queue, as the environment configures the bus. */
const configuredQueue = Layer.unwrap(
  Effect.map(loadBusConfig(process.env), (bus) =>
    deadLetterQueueLayer(
      bus,
      serviceBusConnection(bus.serviceBus, () => azureCredential(bus.credential)),
    ),
  ),
)

const withQueue = <A, E>(use: (queue: DeadLetterQueue["Service"]) => Effect.Effect<A, E>) =>
  Effect.flatMap(DeadLetterQueue, use).pipe(Effect.provide(configuredQueue))

const peek = Command.make("peek", { max }, ({ max }) =>
  withQueue((queue) =>
    Effect.gen(function* () {
      const letters = yield* queue.peek(max)
      for (const letter of letters) yield* Console.log(JSON.stringify(deadLetterLine(letter)))
      yield* Console.error(`${letters.length} dead-lettered message(s) in ${queue.description}`)
    }),
  ),
).pipe(Command.withDescription("Print dead-lettered messages (JSON lines) without removing them"))

const resubmit = Command.make("resubmit", { max }, ({ max }) =>
  withQueue((queue) =>
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
  withQueue((queue) =>
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
