import { type ChildProcess, spawn } from "node:child_process"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { ServiceBusClient } from "@azure/service-bus"
import { streamDeclarations } from "@haymaker/adapters-sinks"
import {
  type AzuritePeer,
  type LogsIngestionServerProcess,
  startAzurite,
  startLogsIngestionServerProcess,
} from "@haymaker/local-stack"
import { localDataCollectionRuleId, topicConfig } from "../../../src/local/LocalStack.ts"
import { workerNodeFlags } from "../../../src/nodeFlags.ts"

export const topic = "agent-logs"
export const subscription = "orchestrator-sub"

const emulatorCli = fileURLToPath(import.meta.resolve("@haymaker/servicebus-emulator")).replace(/index\.ts$/, "cli.ts")
const workerEntry = fileURLToPath(new URL("./matrixWorker.ts", import.meta.url))

const exited = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once("exit", () => resolve())
  })

/** The emulator's CLI with durable storage: killed with SIGKILL, it comes back on the same port with its messages. */
export interface EmulatorProcess {
  readonly connectionString: string
  readonly kill: () => Promise<void>
  readonly restart: () => Promise<void>
  readonly close: () => Promise<void>
}

const startEmulatorProcess = async (directory: string): Promise<EmulatorProcess> => {
  const config = topicConfig({ topic, subscription, lockDuration: "PT5S", maxDeliveryCount: 10 })
  // Room for the poison cell's oversized body: the worker's own limit (256 KiB) must be what refuses it.
  const topics = config.UserConfig.Namespaces[0]?.Topics ?? []
  for (const entity of topics) (entity.Properties as Record<string, unknown>).MaxMessageSizeInKilobytes = 1_024
  const configPath = join(directory, "emulator.json")
  await writeFile(configPath, JSON.stringify(config))
  const dataDir = join(directory, "emulator-data")
  let port = 0
  let child: ChildProcess | undefined
  const launch = async () => {
    const started = spawn(
      process.execPath,
      [
        emulatorCli,
        "--config",
        configPath,
        "--port",
        String(port),
        "--http-port",
        "0",
        "--data-dir",
        dataDir,
        "--log-level",
        "error",
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    )
    const ready = await new Promise<{ connectionString: string; port: number }>((resolve, reject) => {
      const lines = createInterface({ input: started.stdout as NodeJS.ReadableStream })
      lines.on("line", (line) => {
        if (!line.includes('"ready"')) return
        lines.close()
        resolve(JSON.parse(line) as { connectionString: string; port: number })
      })
      started.once("exit", (code) => reject(new Error(`the emulator exited with ${code} before it was ready`)))
    })
    child = started
    port = ready.port
    return ready.connectionString
  }
  const connectionString = await launch()
  return {
    connectionString,
    kill: async () => {
      if (child === undefined) return
      child.kill("SIGKILL")
      await exited(child)
    },
    restart: async () => {
      await launch()
    },
    close: async () => {
      if (child === undefined) return
      child.kill("SIGTERM")
      await exited(child)
    },
  }
}

/** A worker process (`matrixWorker.ts`), its output, its ops endpoint and how it ended. */
export interface WorkerProcess {
  readonly child: ChildProcess
  readonly output: () => string
  readonly exited: Promise<number | string>
  /** `http://127.0.0.1:<port>` of /metrics, /healthz, /readyz, once the worker printed it. */
  readonly ops: Promise<string>
}

/** Prometheus text as name{labels} → value. */
export type Metrics = ReadonlyMap<string, number>

export const parseMetrics = (text: string): Metrics => {
  const metrics = new Map<string, number>()
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line.trim())
    if (match?.[1] !== undefined && match[2] !== undefined) metrics.set(match[1], Number(match[2]))
  }
  return metrics
}

/** The sum of a metric over its label sets, or over those whose labels contain `labels`. */
export const metricSum = (metrics: Metrics, name: string, labels = ""): number => {
  let sum = 0
  for (const [key, value] of metrics) {
    if ((key === name || key.startsWith(`${name}{`)) && key.includes(labels)) sum += value
  }
  return sum
}

/** The peers of the fault matrix, all real, in processes of their own on ephemeral ports of 127.0.0.1. */
export interface MatrixStack {
  readonly emulator: EmulatorProcess
  readonly azurite: AzuritePeer
  readonly logs: LogsIngestionServerProcess
  /** The test's own SDK client on the emulator (it reconnects after a restart). */
  readonly client: ServiceBusClient
  readonly startWorker: (container: string, env?: Record<string, string>) => WorkerProcess
  readonly close: () => Promise<void>
}

export const startMatrixStack = async (): Promise<MatrixStack> => {
  const directory = await mkdtemp(join(tmpdir(), "haymaker-matrix-"))
  const [emulator, azurite, logs] = await Promise.all([
    startEmulatorProcess(directory),
    startAzurite({ location: join(directory, "azurite") }),
    startLogsIngestionServerProcess({
      rules: [{ immutableId: localDataCollectionRuleId, streamDeclarations: streamDeclarations() }],
    }),
  ])
  const caFile = join(directory, "logs-ca.pem")
  await writeFile(caFile, logs.ca)
  const client = new ServiceBusClient(emulator.connectionString, {
    retryOptions: { maxRetries: 5, retryDelayInMs: 200, maxRetryDelayInMs: 2_000, timeoutInMs: 10_000 },
  })
  const workers: Array<WorkerProcess> = []

  const startWorker = (container: string, env: Record<string, string> = {}): WorkerProcess => {
    const child = spawn(process.execPath, [...workerNodeFlags, workerEntry], {
      env: {
        PATH: process.env.PATH ?? "",
        HAYMAKER_SERVICEBUS_CONNECTION_STRING: emulator.connectionString,
        HAYMAKER_HTTP_HOST: "127.0.0.1",
        HAYMAKER_HTTP_PORT: "0",
        HAYMAKER_LOG_FORMAT: "json",
        // The receiver logs every delivery at debug level: the account counts deliveries per message from it.
        HAYMAKER_LOG_LEVEL: "Debug",
        HAYMAKER_WORKER_CONCURRENCY: "200",
        HAYMAKER_WORKER_BATCH_SIZE: "50",
        HAYMAKER_WORKER_BATCH_WAIT_MS: "20",
        HAYMAKER_SINK_RETRY_BUDGET_MS: "1500",
        HAYMAKER_SINK_WRITE_TIMEOUT_MS: "2000",
        HAYMAKER_RECOVERY_INITIAL_DELAY_MS: "200",
        HAYMAKER_RECOVERY_MAX_DELAY_MS: "1000",
        MATRIX_LOGS_ENDPOINT: logs.endpoint,
        MATRIX_LOGS_CA_FILE: caFile,
        MATRIX_LOGS_RULE_ID: localDataCollectionRuleId,
        MATRIX_BLOB_CONNECTION_STRING: azurite.connectionString,
        MATRIX_ARCHIVE_CONTAINER: container,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    })
    let output = ""
    let resolveOps: (url: string) => void = () => undefined
    const ops = new Promise<string>((resolve) => {
      resolveOps = resolve
    })
    const collect = (chunk: Buffer) => {
      output += chunk.toString("utf8")
      const match = /metrics and probes on (http:\/\/[\d.]+:\d+)\/metrics/.exec(output)
      if (match?.[1] !== undefined) resolveOps(match[1])
    }
    child.stdout?.on("data", collect)
    child.stderr?.on("data", collect)
    const worker: WorkerProcess = {
      child,
      output: () => output,
      exited: new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"))),
      ops,
    }
    workers.push(worker)
    return worker
  }

  return {
    emulator,
    azurite,
    logs,
    client,
    startWorker,
    close: async () => {
      for (const worker of workers) worker.child.kill("SIGKILL")
      await Promise.all(workers.map((worker) => worker.exited))
      await client.close().catch(() => undefined)
      await Promise.all([emulator.close(), azurite.close(), logs.close()])
      await rm(directory, { recursive: true, force: true })
    },
  }
}
