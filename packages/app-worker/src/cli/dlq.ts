import { acquireClient } from "@haymaker/adapters-servicebus"
import { Console, Effect } from "effect"
import { Command, Flag } from "effect/cli"
import { azureCredential } from "../config/AzureCredential.ts"
import { loadBusConfig } from "../config/WorkerConfig.ts"
import { peekDeadLetters, purgeDeadLetters, resubmitDeadLetters } from "../deadLetters/DeadLetterQueue.ts"
import { serviceBusConnection } from "../WorkerLayers.ts"

const max = Flag.Int("max").pipe(Flag.withDescription("At most this many messages"), Flag.withDefault(1_000))

const withBus = <A, E>(
  use: (
    client: Effect.Success<ReturnType<typeof acquireClient>>,
    topic: string,
    subscription: string,
  ) => Effect.Effect<A, E>,
) =>
  Effect.gen(function* () {
    const bus = yield* loadBusConfig(process.env)
    const client = yield* acquireClient(serviceBusConnection(bus.serviceBus, () => azureCredential(bus.credential)))
    return yield* use(client, bus.topic, bus.subscription)
  }).pipe(Effect.scoped)

const peek = Command.make("peek", { max }, ({ max }) =>
  withBus((client, topic, subscription) =>
    Effect.gen(function* () {
      const letters = yield* peekDeadLetters(client, topic, subscription, max)
      for (const letter of letters) yield* Console.log(JSON.stringify(letter))
      yield* Console.error(`${letters.length} dead-lettered message(s) in ${topic}/${subscription}`)
    }),
  ),
).pipe(Command.withDescription("Print dead-lettered messages (JSON lines) without removing them"))

const resubmit = Command.make("resubmit", { max }, ({ max }) =>
  withBus((client, topic, subscription) =>
    Effect.gen(function* () {
      const moved = yield* resubmitDeadLetters(client, topic, subscription, max)
      yield* Console.log(`resubmitted ${moved} message(s) to ${topic}`)
    }),
  ),
).pipe(Command.withDescription("Send dead-lettered messages to the topic again, then remove them from the DLQ"))

const purge = Command.make("purge", { max }, ({ max }) =>
  withBus((client, topic, subscription) =>
    Effect.gen(function* () {
      const purged = yield* purgeDeadLetters(client, topic, subscription, max)
      yield* Console.log(`purged ${purged} message(s) from the dead-letter queue of ${topic}/${subscription}`)
    }),
  ),
).pipe(Command.withDescription("Delete dead-lettered messages for good"))

export const dlqCommand = Command.make("dlq").pipe(
  Command.withDescription("Inspect and repair the subscription's dead-letter queue"),
  Command.withSubcommands([peek, resubmit, purge]),
)
