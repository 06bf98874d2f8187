import { spawn } from "node:child_process"
import { writeFile } from "node:fs/promises"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

export const TOPIC = "agent-logs"
export const SUBSCRIPTION = "orchestrator-sub"

export interface EmulatorOptions {
  /** Where its Config.json goes. */
  readonly directory: string
  /** ISO-8601; what a killed worker held comes back after this. */
  readonly lockDuration: string
  readonly maxDeliveryCount: number
}

export interface EmulatorProcess {
  /** Plain AMQP on 127.0.0.1 (`UseDevelopmentEmulator=true`). */
  readonly connectionString: string
  /**
   * Sequence numbers whose lock expired (the broker redelivers them): from the emulator's own debug log, an
   * observer independent of the workers. What a killed worker held shows up here.
   */
  readonly lockExpiries: () => ReadonlyMap<string, number>
  readonly close: () => Promise<void>
}

const cli = fileURLToPath(import.meta.resolve("@haymaker/servicebus-emulator")).replace(/index\.ts$/, "cli.ts")

/** The emulator's CLI in a process of its own (as the workers' broker), topic and subscription of the worker. */
export const startEmulatorProcess = async (options: EmulatorOptions): Promise<EmulatorProcess> => {
  const config = join(options.directory, "Config.json")
  await writeFile(
    config,
    JSON.stringify({
      UserConfig: {
        Namespaces: [
          {
            Name: "sbemulatorns",
            Queues: [],
            Topics: [
              {
                Name: TOPIC,
                Properties: { DefaultMessageTimeToLive: "PT1H" },
                Subscriptions: [
                  {
                    Name: SUBSCRIPTION,
                    Properties: {
                      LockDuration: options.lockDuration,
                      MaxDeliveryCount: options.maxDeliveryCount,
                      DefaultMessageTimeToLive: "PT1H",
                      DeadLetteringOnMessageExpiration: false,
                    },
                    Rules: [],
                  },
                ],
              },
            ],
          },
        ],
        Logging: { Type: "Console" },
      },
    }),
  )
  const child = spawn(
    process.execPath,
    [cli, "--config", config, "--port", "0", "--http-port", "0", "--log-level", "debug"],
    { stdio: ["ignore", "pipe", "pipe"] },
  )
  const lockExpiries = new Map<string, number>()
  let tail = ""
  let pending = ""
  child.stderr.on("data", (chunk: Buffer) => {
    const text = pending + chunk.toString("utf8")
    const lines = text.split("\n")
    pending = lines.pop() ?? ""
    for (const line of lines) {
      if (line.includes('"lock expired"')) {
        const sequenceNumber = (JSON.parse(line) as { sequenceNumber?: number | string }).sequenceNumber
        if (sequenceNumber !== undefined) {
          lockExpiries.set(String(sequenceNumber), (lockExpiries.get(String(sequenceNumber)) ?? 0) + 1)
        }
      } else if (!line.includes('"level":"debug"')) {
        tail = `${tail}${line}\n`.slice(-8_192)
      }
    }
  })
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
    await exited
  }
  const connectionString = await new Promise<string>((resolve, reject) => {
    let stdout = ""
    const timer = setTimeout(() => reject(new Error(`the emulator printed no ready line within 60 s\n${tail}`)), 60_000)
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8")
      const line = stdout.split("\n").find((text) => text.includes('"event":"ready"'))
      if (line !== undefined) {
        clearTimeout(timer)
        resolve((JSON.parse(line) as { connectionString: string }).connectionString)
      }
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`the emulator exited (code ${code})\n${tail}`))
    })
  }).catch(async (error: unknown) => {
    await close()
    throw error
  })
  return { connectionString, lockExpiries: () => lockExpiries, close }
}
