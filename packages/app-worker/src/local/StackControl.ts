import { spawn } from "node:child_process"
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync } from "node:fs"
import { connect } from "node:net"
import { Effect, Option } from "effect"
import { CommandError } from "../cli/CommandError.ts"
import {
  defaultStackPorts,
  inspectStack,
  type LocalStack,
  processAlive,
  type StackFiles,
  type StackPorts,
  type StackState,
} from "./StackState.ts"

/** Ports asked for on the command line: a number (0: any free one), or nothing. */
export type RequestedPorts = { readonly [K in keyof StackPorts]: Option.Option<number> }

/**
 * The ports of a start: a port asked for wins; otherwise the port of the previous run, so the stack's connection
 * strings stay the same across restarts; otherwise the default. `0` asks for a free port the first time only.
 */
export const resolvePorts = (requested: RequestedPorts, previous: StackPorts | undefined): StackPorts => {
  const pick = (key: keyof StackPorts): number => {
    const asked = requested[key]
    if (Option.isSome(asked) && asked.value !== 0) return asked.value
    return previous?.[key] ?? (Option.isSome(asked) ? 0 : defaultStackPorts[key])
  }
  return {
    emulator: pick("emulator"),
    emulatorHttp: pick("emulatorHttp"),
    azurite: pick("azurite"),
    logsIngestion: pick("logsIngestion"),
  }
}

export const portArguments = (ports: StackPorts): Array<string> => [
  "--emulator-port",
  String(ports.emulator),
  "--emulator-http-port",
  String(ports.emulatorHttp),
  "--azurite-port",
  String(ports.azurite),
  "--logs-ingestion-port",
  String(ports.logsIngestion),
]

/** What the stack's process wrote since `from` (its log), for the error of a start that failed. */
const logSince = (files: StackFiles, from: number): string => {
  if (!existsSync(files.log)) return ""
  const text = readFileSync(files.log).subarray(from).toString("utf8").trim()
  return text.split("\n").slice(-20).join("\n")
}

const STARTUP_TIMEOUT_MS = 180_000

export type UpResult =
  | { readonly _tag: "AlreadyRunning"; readonly state: StackState }
  | { readonly _tag: "Started"; readonly state: StackState }

/**
 * Starts the stack in the background: this same CLI as `local serve` in a detached process of its own (its output
 * appended to `stack.log`), and waits until it reports that every peer answers. A stack already running is left as it
 * is.
 */
export const stackUp = Effect.fn("LocalStack.up")(function* (directory: string, requested: RequestedPorts) {
  const stack = inspectStack(directory)
  if (stack._tag === "Running") return { _tag: "AlreadyRunning", state: stack.state } satisfies UpResult as UpResult
  const { files } = stack
  const ports = resolvePorts(requested, stack.state?.ports)
  mkdirSync(files.directory, { recursive: true })
  const logStart = existsSync(files.log) ? statSync(files.log).size : 0
  const entry = process.argv[1]
  if (entry === undefined) return yield* new CommandError({ message: "local up: cannot tell how this CLI was started" })
  const state = yield* Effect.callback<StackState, CommandError>((resume) => {
    const log = openSync(files.log, "a")
    const child = spawn(
      process.execPath,
      [entry, "local", "serve", "--dir", files.directory, ...portArguments(ports)],
      {
        detached: true,
        stdio: ["ignore", log, log, "ipc"],
        env: process.env,
      },
    )
    closeSync(log)
    const failed = (why: string) => {
      const output = logSince(files, logStart)
      resume(
        Effect.fail(
          new CommandError({
            message: `the local stack did not start (${why})${output === "" ? "" : `:\n${output}`}\n(its log: ${files.log})`,
          }),
        ),
      )
    }
    child.once("message", (message: { readonly state: StackState }) => {
      child.removeAllListeners("exit")
      child.disconnect()
      child.unref()
      resume(Effect.succeed(message.state))
    })
    child.once("exit", (code, signal) => failed(signal === null ? `exit code ${code}` : `signal ${signal}`))
    child.once("error", (error) => failed(error.message))
    // Given up on (the timeout below): stop what was started.
    return Effect.sync(() => {
      child.kill("SIGTERM")
    })
  }).pipe(
    Effect.timeoutOrElse({
      duration: STARTUP_TIMEOUT_MS,
      orElse: () =>
        Effect.fail(
          new CommandError({
            message: `the local stack did not answer within ${STARTUP_TIMEOUT_MS / 1000} s; see ${files.log}`,
          }),
        ),
    }),
  )
  return { _tag: "Started", state } satisfies UpResult as UpResult
})

const exited = (pid: number, timeoutMs: number) =>
  Effect.sleep(100).pipe(
    Effect.repeat({ until: () => !processAlive(pid) }),
    Effect.timeoutOption(timeoutMs),
    Effect.map(Option.isSome),
  )

/**
 * Stops the stack's process (SIGTERM: the emulator closes its journal, Azurite and the server stop) and waits until it
 * is gone. The folder stays, so the next `local up` finds its messages, blobs and ports; `wipe` deletes it.
 */
export const stackDown = Effect.fn("LocalStack.down")(function* (directory: string, wipe: boolean) {
  const stack = inspectStack(directory)
  let stopped = false
  if (stack._tag === "Running") {
    const { pid } = stack.state
    yield* Effect.sync(() => process.kill(pid, "SIGTERM"))
    if (!(yield* exited(pid, 30_000))) {
      yield* Effect.logWarning(`the local stack (pid ${pid}) did not stop within 30 s; killing it`)
      yield* Effect.sync(() => process.kill(pid, "SIGKILL"))
      yield* exited(pid, 10_000)
    }
    stopped = true
  }
  if (wipe) yield* Effect.sync(() => rmSync(stack.files.directory, { recursive: true, force: true }))
  return { stopped, files: stack.files }
})

/** Whether something accepts TCP connections on `host`:`port`. */
export const portAnswers = (port: number, host = "127.0.0.1", timeoutMs = 2_000): Effect.Effect<boolean> =>
  Effect.callback<boolean>((resume) => {
    const socket = connect({ host, port })
    const done = (answers: boolean) => {
      socket.destroy()
      resume(Effect.succeed(answers))
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
    return Effect.sync(() => socket.destroy())
  })

export interface PeerStatus {
  readonly name: string
  readonly endpoint: string
  readonly answers: boolean
}

/** The stack and each of its peers: whether they answer on their ports. */
export const stackStatus = Effect.fn("LocalStack.status")(function* (directory: string) {
  const stack: LocalStack = inspectStack(directory)
  if (stack._tag === "Stopped") return { stack, peers: [] as ReadonlyArray<PeerStatus> }
  const { state } = stack
  const peers = yield* Effect.all(
    [
      ["Service Bus emulator", `sb://127.0.0.1:${state.ports.emulator}`, state.ports.emulator],
      ["emulator health/management", `http://127.0.0.1:${state.ports.emulatorHttp}`, state.ports.emulatorHttp],
      ["Azurite (Blob)", `http://127.0.0.1:${state.ports.azurite}/devstoreaccount1`, state.ports.azurite],
      ["Logs Ingestion API", state.logsIngestionEndpoint, state.ports.logsIngestion],
    ].map(([name, endpoint, port]) =>
      Effect.map(
        portAnswers(port as number),
        (answers): PeerStatus => ({
          name: name as string,
          endpoint: endpoint as string,
          answers,
        }),
      ),
    ),
    { concurrency: "unbounded" },
  )
  return { stack, peers }
})
