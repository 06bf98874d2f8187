import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { Effect } from "effect"

/**
 * The local stack (`haymaker-worker local up`): the emulator, Azurite and the Logs Ingestion server in one background
 * process, with its ports, messages, blobs and rows in one folder (default `.haymaker/local`, or
 * `HAYMAKER_LOCAL_DIR`). This module reads and writes that folder's state; it loads none of the peers.
 */

export interface StackPorts {
  /** AMQP (and AMQP over WebSockets) of the Service Bus emulator. */
  readonly emulator: number
  /** The emulator's HTTP port: `/health` and the management API. */
  readonly emulatorHttp: number
  readonly azurite: number
  /** The Logs Ingestion API server (HTTPS). */
  readonly logsIngestion: number
}

/** The variable `local up` reads a port from when its flag is not given (`--emulator-port`: HAYMAKER_LOCAL_EMULATOR_PORT). */
export const portVariable = (flag: string): string =>
  `HAYMAKER_LOCAL_${flag.replace(/^--/, "").replaceAll("-", "_").toUpperCase()}`

/** The ports a first `local up` takes: the official emulator's and Azurite's, and one beside Azurite's. */
export const defaultStackPorts: StackPorts = {
  emulator: 5672,
  emulatorHttp: 5300,
  azurite: 10000,
  logsIngestion: 10443,
}

export interface StackState {
  /** The stack's process while it runs; null once it stopped. */
  readonly pid: number | null
  readonly startedAt: string
  readonly ports: StackPorts
  readonly topic: string
  readonly subscription: string
  /** The emulator's connection string (its well-known development key: not a secret). */
  readonly serviceBusConnectionString: string
  /** Azurite's connection string (its well-known development account). */
  readonly blobConnectionString: string
  readonly logsIngestionEndpoint: string
  readonly dataCollectionRuleId: string
}

export interface StackFiles {
  readonly directory: string
  readonly state: string
  /** `source`-able settings for other shells and tools. */
  readonly env: string
  /** What the stack's process writes (its peers' logs, failures). */
  readonly log: string
  readonly serviceBus: string
  readonly azurite: string
  /** Accepted rows as JSON lines, one file per stream, and the server's certificate. */
  readonly logsIngestion: string
  readonly certificate: string
}

export const stackFiles = (directory: string): StackFiles => ({
  directory,
  state: join(directory, "stack.json"),
  env: join(directory, "env"),
  log: join(directory, "stack.log"),
  serviceBus: join(directory, "servicebus"),
  azurite: join(directory, "azurite"),
  logsIngestion: join(directory, "logs-ingestion"),
  certificate: join(directory, "logs-ingestion", "certificate.json"),
})

/** Which stack a command uses: the folder, and whether it was named (`HAYMAKER_LOCAL_DIR`), so it must be running. */
export interface StackChoice {
  readonly directory: string
  readonly named: boolean
}

/** The stack's folder: `HAYMAKER_LOCAL_DIR`, or `.haymaker/local`, from the current directory. */
export const stackChoice = (env: Readonly<Record<string, string | undefined>>): StackChoice => {
  const named = env.HAYMAKER_LOCAL_DIR !== undefined && env.HAYMAKER_LOCAL_DIR !== ""
  return { directory: resolve(named ? (env.HAYMAKER_LOCAL_DIR as string) : ".haymaker/local"), named }
}

/** How the CLI is invoked where it runs (`./dev worker` in this repository), for the fixes its messages name. */
export const cliName = (env: Readonly<Record<string, string | undefined>> = process.env): string =>
  env.HAYMAKER_CLI_NAME === undefined || env.HAYMAKER_CLI_NAME === "" ? "haymaker-worker" : env.HAYMAKER_CLI_NAME

export const readStackState = (files: StackFiles): StackState | undefined => {
  if (!existsSync(files.state)) return undefined
  try {
    return JSON.parse(readFileSync(files.state, "utf8")) as StackState
  } catch {
    return undefined
  }
}

/** Written whole and renamed into place, so a reader never sees half a file. */
export const writeStackState = (files: StackFiles, state: StackState): void => {
  mkdirSync(files.directory, { recursive: true })
  const temporary = `${files.state}.${process.pid}.tmp`
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`)
  renameSync(temporary, files.state)
}

/** Whether a process with this id exists (signal 0 checks without signalling). */
export const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** The stack of a folder: running (its process is alive), stopped (state kept from an earlier run), or none yet. */
export type LocalStack =
  | { readonly _tag: "Running"; readonly files: StackFiles; readonly state: StackState & { readonly pid: number } }
  | { readonly _tag: "Stopped"; readonly files: StackFiles; readonly state: StackState | undefined }

export const inspectStack = (directory: string): LocalStack => {
  const files = stackFiles(directory)
  const state = readStackState(files)
  return state !== undefined && state.pid !== null && processAlive(state.pid)
    ? { _tag: "Running", files, state: { ...state, pid: state.pid } }
    : { _tag: "Stopped", files, state }
}

export const findLocalStack = (choice: StackChoice): Effect.Effect<LocalStack> =>
  Effect.sync(() => inspectStack(choice.directory))

/** The one line every command prints when it needs the stack and finds none. */
export const stackNotRunning = (env: Readonly<Record<string, string | undefined>> = process.env): string =>
  `the local stack is not running: ${cliName(env)} local up`

const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`

/**
 * Settings for shells and tools outside the worker (`source .haymaker/local/env`): the worker's own variables, and
 * the connection string under the name the README's examples read. Valid across restarts: the ports are kept.
 */
export const envFile = (files: StackFiles, state: StackState): string =>
  [
    `# The worker's local stack in ${files.directory}: source this file (. ${files.env}) to use it from any shell.`,
    "# Written by `local up`; the ports stay the same across restarts, so it stays valid.",
    `export HAYMAKER_LOCAL_DIR=${quote(files.directory)}`,
    `export HAYMAKER_SERVICEBUS_CONNECTION_STRING=${quote(state.serviceBusConnectionString)}`,
    `export HAYMAKER_SERVICEBUS_TOPIC=${quote(state.topic)}`,
    `export HAYMAKER_SERVICEBUS_SUBSCRIPTION=${quote(state.subscription)}`,
    "export HAYMAKER_SINKS=local",
    `export SERVICEBUS_CONNECTION_STRING=${quote(state.serviceBusConnectionString)}`,
    "",
  ].join("\n")

/** The authority of the stack's Logs Ingestion server certificate (kept in the folder), for clients to trust. */
export const stackCertificateAuthority = (files: StackFiles): string =>
  (JSON.parse(readFileSync(files.certificate, "utf8")) as { readonly ca: string }).ca
