import { existsSync, readFileSync } from "node:fs"
import { subscriptionNameConfig, topicNameConfig } from "@haymaker/adapters-servicebus"
import { Config, Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import {
  portArguments,
  type RequestedPorts,
  resolvePorts,
  stackDown,
  stackStatus,
  stackUp,
} from "../local/StackControl.ts"
import { cliName, inspectStack, portVariable, type StackState, stackChoice, stackFiles } from "../local/StackState.ts"
import { CommandError } from "./CommandError.ts"

const directory = Flag.String("dir").pipe(
  Flag.withDescription("The stack's folder (default: HAYMAKER_LOCAL_DIR, or .haymaker/local)"),
  Flag.optional,
)
// Each flag falls back to HAYMAKER_LOCAL_<FLAG>, for a shell (or a test) that wants other ports for every `local up`.
const portFlag = (name: string, what: string) =>
  Flag.Int(name).pipe(
    Flag.withDescription(
      `Port of ${what} (default: ${portVariable(name)}, else the previous run's, else the usual one; 0 for any free port)`,
    ),
    Flag.withFallbackConfig(Config.Int(portVariable(name))),
    Flag.optional,
  )
const ports = {
  emulator: portFlag("emulator-port", "the Service Bus emulator (AMQP; usually 5672)"),
  emulatorHttp: portFlag("emulator-http-port", "the emulator's health and management API (usually 5300)"),
  azurite: portFlag("azurite-port", "Azurite's Blob service (usually 10000)"),
  logsIngestion: portFlag("logs-ingestion-port", "the Logs Ingestion API server (HTTPS; usually 10443)"),
}

const folderOf = (dir: Option.Option<string>) =>
  Option.match(dir, {
    onNone: () => stackChoice(process.env).directory,
    onSome: (d) => stackChoice({ HAYMAKER_LOCAL_DIR: d }).directory,
  })

const describe = (state: StackState): string =>
  [
    `  Service Bus (emulator):  ${state.serviceBusConnectionString}`,
    `  topic / subscription:    ${state.topic} / ${state.subscription}`,
    `  Blob Storage (Azurite):  http://127.0.0.1:${state.ports.azurite}/devstoreaccount1`,
    `  Logs Ingestion API:      ${state.logsIngestionEndpoint} (rule ${state.dataCollectionRuleId})`,
  ].join("\n")

const usage = (folder: string) => {
  const cli = cliName()
  const here = folder === stackChoice({}).directory
  return here
    ? `${cli} run, publish, dlq and report use it from this folder; in another shell: source ${stackFiles(folder).env}`
    : `to use it: source ${stackFiles(folder).env} (or HAYMAKER_LOCAL_DIR=${folder})`
}

const up = Command.make("up", { dir: directory, ...ports }, ({ dir, ...requested }) =>
  Effect.gen(function* () {
    const folder = folderOf(dir)
    const result = yield* stackUp(folder, requested as RequestedPorts)
    const verb = result._tag === "AlreadyRunning" ? "is already running" : "is up"
    yield* Console.log(
      `The local stack ${verb} (pid ${result.state.pid}), state in ${folder}:\n${describe(result.state)}`,
    )
    yield* Console.log(usage(folder))
  }),
).pipe(
  Command.withDescription(
    "Start the local stack in the background: the Service Bus emulator, Azurite and the Logs Ingestion API server, on stable ports, keeping their messages, blobs and rows in .haymaker/local across restarts",
  ),
)

const down = Command.make(
  "down",
  {
    dir: directory,
    wipe: Flag.Boolean("wipe").pipe(
      Flag.withDescription("Also delete the folder: messages, dead letters, blobs, rows and ports"),
      Flag.withDefault(false),
    ),
  },
  ({ dir, wipe }) =>
    Effect.gen(function* () {
      const folder = folderOf(dir)
      const { stopped } = yield* stackDown(folder, wipe)
      const what = stopped ? "The local stack is stopped" : "The local stack was not running"
      yield* Console.log(
        wipe
          ? `${what}; its folder ${folder} is deleted.`
          : `${what}; its state stays in ${folder} (\`${cliName()} local up\` brings it back as it was).`,
      )
    }),
).pipe(Command.withDescription("Stop the local stack; its state stays for the next `local up` (--wipe deletes it)"))

const status = Command.make("status", { dir: directory }, ({ dir }) =>
  Effect.gen(function* () {
    const folder = folderOf(dir)
    const { stack, peers } = yield* stackStatus(folder)
    if (stack._tag === "Stopped") {
      yield* Console.log(
        stack.state === undefined
          ? `No local stack in ${folder}: ${cliName()} local up`
          : `The local stack is not running (state kept in ${folder}): ${cliName()} local up`,
      )
      // As `systemctl status` and LSB init scripts: 3 means "not running".
      return yield* Effect.sync(() => {
        process.exitCode = 3
      })
    }
    yield* Console.log(
      `The local stack is running (pid ${stack.state.pid}, since ${stack.state.startedAt}), state in ${folder}:`,
    )
    for (const peer of peers) yield* Console.log(`  ${peer.answers ? "up  " : "DOWN"}  ${peer.name}: ${peer.endpoint}`)
    yield* Console.log(`  Service Bus connection string: ${stack.state.serviceBusConnectionString}`)
    yield* Console.log(usage(folder))
    if (peers.some((peer) => !peer.answers)) process.exitCode = 1
  }),
).pipe(
  Command.withDescription(
    "Whether the local stack runs, and whether each of its peers answers (exit code 3: not running)",
  ),
)

const env = Command.make("env", { dir: directory }, ({ dir }) =>
  Effect.gen(function* () {
    const folder = folderOf(dir)
    const stack = inspectStack(folder)
    if (stack.state === undefined || !existsSync(stackFiles(folder).env)) {
      yield* Console.error(`No local stack in ${folder}: ${cliName()} local up`)
      return yield* Effect.sync(() => {
        process.exitCode = 3
      })
    }
    yield* Effect.sync(() => process.stdout.write(readFileSync(stackFiles(folder).env, "utf8")))
  }),
).pipe(
  Command.withDescription(
    'Print the stack\'s settings as shell exports (the env file): eval "$(haymaker-worker local env)"',
  ),
)

const serve = Command.make("serve", { dir: directory, ...ports }, ({ dir, ...requested }) =>
  Effect.gen(function* () {
    const folder = folderOf(dir)
    const previous = inspectStack(folder)
    if (previous._tag === "Running") {
      return yield* new CommandError({
        message: `the local stack in ${folder} is already running (pid ${previous.state.pid}): ${cliName()} local down first`,
      })
    }
    const topic = yield* topicNameConfig
    const subscription = yield* subscriptionNameConfig
    const resolved = resolvePorts(requested as RequestedPorts, previous.state?.ports)
    // Loaded only here: the peers are optional dependencies of the worker.
    const { serveStack } = yield* Effect.promise(() => import("../local/StackProcess.ts"))
    yield* Effect.scoped(
      Effect.gen(function* () {
        // A peer that would not start is the operator's to fix (a taken port): its message alone, no stack trace.
        const state = yield* serveStack({ directory: folder, ports: resolved, topic, subscription }).pipe(
          Effect.catchTag("StackStartError", (error) => Effect.fail(new CommandError({ message: error.message }))),
        )
        yield* Effect.logInfo(`local stack ready (${portArguments(state.ports).join(" ")})`)
        // Started by `local up`: tell it, then stop talking to it (it exits; this process stays).
        if (process.send !== undefined && process.connected) process.send({ state })
        yield* Console.log(`The local stack is up, state in ${folder}:\n${describe(state)}`)
        return yield* Effect.never
      }),
    )
  }),
).pipe(
  Command.withDescription(
    "Run the local stack in the foreground until SIGTERM/SIGINT (what `local up` runs in the background)",
  ),
)

export const localCommand = Command.make("local").pipe(
  Command.withDescription(
    "A local stack that lives on its own (emulator, Azurite, Logs Ingestion server): up, down, status, env, serve",
  ),
  Command.withSubcommands([up, down, status, env, serve]),
)
