import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ServiceBusClient } from "@azure/service-bus"
import { connectionString, ServiceBusDeadLetterQueue, toServiceBusMessage } from "@haymaker/adapters-servicebus"
import { DeadLetterQueue } from "@haymaker/domain"
import { sampleRun } from "@haymaker/domain/fixtures"
import { type RunningEmulator, startEmulator } from "@haymaker/servicebus-emulator"
import { Effect } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { generateRunEvents } from "../src/demo/generateEvents.ts"
import { topicConfig } from "../src/local/LocalStack.ts"
import {
  archivedMessageIds,
  eventually,
  loggedMessageIds,
  startWorkerProcess,
  type WorkerProcess,
} from "./support/workerProcess.ts"

const topic = "agent-logs"
const subscription = "orchestrator-sub"

// A short lock so that what a killed worker held comes back within the test.
const emulatorConfig = topicConfig({ topic, subscription, lockDuration: "PT2S", maxDeliveryCount: 10 })

let emulator: RunningEmulator
let client: ServiceBusClient
let sinkDir: string
const workers: Array<WorkerProcess> = []

beforeEach(async () => {
  emulator = await startEmulator({ config: emulatorConfig })
  client = new ServiceBusClient(emulator.connectionString)
  sinkDir = await mkdtemp(join(tmpdir(), "haymaker-worker-"))
})

afterEach(async () => {
  for (const worker of workers.splice(0)) {
    worker.child.kill("SIGKILL")
    await worker.exited
  }
  await client.close()
  await emulator.close()
  await rm(sinkDir, { recursive: true, force: true })
})

const workerEnv = () => ({
  HAYMAKER_SERVICEBUS_CONNECTION_STRING: emulator.connectionString,
  HAYMAKER_SINKS: "filesystem",
  HAYMAKER_LOCAL_SINK_DIR: sinkDir,
  HAYMAKER_WORKER_BATCH_SIZE: "50",
  HAYMAKER_WORKER_BATCH_WAIT_MS: "20",
})

const startWorker = (env: Record<string, string> = workerEnv()) => {
  const worker = startWorkerProcess(["run"], env)
  workers.push(worker)
  return worker
}

/** Publishes events as an agent would, returning their message ids. */
const publish = async (count: number): Promise<Array<string>> => {
  const messages = [...sampleRun, ...generateRunEvents(count)].map((event) => toServiceBusMessage(event))
  const sender = client.createSender(topic)
  for (let i = 0; i < messages.length; i += 200) await sender.sendMessages(messages.slice(i, i + 200))
  await sender.close()
  return messages.map((message) => String(message.messageId))
}

const deadLetterCount = () =>
  DeadLetterQueue.use((queue) => queue.peek(1_000)).pipe(
    Effect.map((letters) => letters.length),
    Effect.provide(
      ServiceBusDeadLetterQueue.layer({
        connection: connectionString(emulator.connectionString),
        topicName: topic,
        subscriptionName: subscription,
      }),
    ),
    Effect.runPromise,
  )

const everyIdArchived = async (ids: ReadonlyArray<string>) => {
  const archived = new Set(await archivedMessageIds(sinkDir))
  return ids.every((id) => archived.has(id))
}

describe("haymaker-worker run (a separate process, filesystem sinks)", () => {
  it("killed mid-batch and restarted: the unsettled messages are redelivered and nothing is lost", async () => {
    const ids = await publish(1_000)
    const first = startWorker()
    // Kill it as soon as part of the work landed, with the rest received, locked or still waiting.
    expect(await eventually(async () => (await archivedMessageIds(sinkDir)).length > 50, 90_000)).toBe(true)
    first.child.kill("SIGKILL")
    expect(await first.exited).toBe("SIGKILL")
    expect(await everyIdArchived(ids)).toBe(false)

    startWorker()
    expect(await eventually(() => everyIdArchived(ids), 120_000)).toBe(true)
    const archived = await archivedMessageIds(sinkDir)
    expect(new Set(archived).size).toBe(ids.length)
    // Log Analytics rows may repeat a message (redelivery); every resource and log event is there at least once.
    const logged = new Set(await loggedMessageIds(sinkDir))
    expect(logged.size).toBeGreaterThanOrEqual(ids.length - 1) // the sample run's one unknown event has no row
    for (const id of logged) expect(ids).toContain(id)
    expect(await deadLetterCount()).toBe(0)
  }, 300_000)

  it("SIGTERM under load: stops taking messages, settles what it holds, exits 0; nothing is lost", async () => {
    const ids = await publish(2_000)
    const worker = startWorker()
    expect(await eventually(async () => (await archivedMessageIds(sinkDir)).length > 100, 90_000)).toBe(true)
    worker.child.kill("SIGTERM")
    expect(await worker.exited).toBe(0)
    expect(worker.output()).toContain("stopped cleanly")

    startWorker()
    expect(await eventually(() => everyIdArchived(ids), 120_000)).toBe(true)
    expect(await deadLetterCount()).toBe(0)
  }, 300_000)

  it("a wrong SAS key or a missing topic: exits 1 at once, naming the cause (a restart cannot fix either)", async () => {
    const wrongKey = startWorker({
      ...workerEnv(),
      HAYMAKER_SERVICEBUS_CONNECTION_STRING: emulator.connectionString.replace(
        /SharedAccessKey=[^;]+/,
        "SharedAccessKey=not-the-key",
      ),
    })
    const missingTopic = startWorker({ ...workerEnv(), HAYMAKER_SERVICEBUS_TOPIC: "no-such-topic" })
    expect(await wrongKey.exited).toBe(1)
    expect(await missingTopic.exited).toBe(1)
    expect(wrongKey.output()).toContain("UnauthorizedAccess: InvalidSignature")
    expect(wrongKey.output()).toContain("a restart will not change that")
    // It said what it was connecting to, with the key left out.
    expect(wrongKey.output()).toMatch(
      /connecting to Service Bus sb:\/\/127\.0\.0\.1:\d+ \(emulator, key RootManageSharedAccessKey\)/,
    )
    expect(wrongKey.output()).not.toContain("not-the-key")
    expect(missingTopic.output()).toContain("MessagingEntityNotFound")
    expect(missingTopic.output()).toContain("no-such-topic")
  }, 120_000)

  it("dlq resubmit moves what the DLQ held when it started, once, although the worker dead-letters them again", async () => {
    const worker = startWorker()
    const sender = client.createSender(topic)
    await sender.sendMessages(["{broken", "[1]", "42"].map((body) => ({ body: Buffer.from(body) })))
    await sender.close()
    expect(await eventually(async () => (await deadLetterCount()) === 3, 60_000)).toBe(true)

    // The worker runs on: each resubmitted message is dead-lettered again within moments. The old loop kept
    // re-reading them until --max.
    const resubmit = startWorkerProcess(["dlq", "resubmit", "--max", "50"], {
      HAYMAKER_SERVICEBUS_CONNECTION_STRING: emulator.connectionString,
    })
    workers.push(resubmit)
    expect(await resubmit.exited).toBe(0)
    expect(resubmit.stdout()).toContain("resubmitted 3 message(s)")
    expect(await eventually(async () => (await deadLetterCount()) === 3, 60_000)).toBe(true)
    worker.child.kill("SIGTERM")
    expect(await worker.exited).toBe(0)
  }, 180_000)

  it("logs go to standard error in every format; standard output carries only results (dlq peek | jq)", async () => {
    const sender = client.createSender(topic)
    await sender.sendMessages({ body: Buffer.from("{broken") })
    await sender.close()
    for (const format of ["json", "pretty"]) {
      const worker = startWorker({ ...workerEnv(), HAYMAKER_LOG_FORMAT: format, HAYMAKER_LOG_LEVEL: "Debug" })
      expect(await eventually(() => worker.output().includes("receiving from"), 60_000)).toBe(true)
      expect(await eventually(async () => (await deadLetterCount()) === 1, 60_000)).toBe(true)
      worker.child.kill("SIGTERM")
      expect(await worker.exited).toBe(0)
      expect(worker.output()).toContain("stopped cleanly")
      expect(worker.stdout()).toBe("")
    }
    const peek = startWorkerProcess(["dlq", "peek"], {
      HAYMAKER_SERVICEBUS_CONNECTION_STRING: emulator.connectionString,
      HAYMAKER_LOG_LEVEL: "Debug",
    })
    workers.push(peek)
    expect(await peek.exited).toBe(0)
    const lines = peek.stdout().trim().split("\n")
    expect(lines.map((line) => JSON.parse(line).reason)).toEqual(["InvalidJson"])
  }, 180_000)

  it("invalid configuration: one message listing every problem, exit code 2", async () => {
    const worker = startWorker({
      HAYMAKER_SERVICEBUS_CONNECTION_STRING: emulator.connectionString,
      HAYMAKER_WORKER_BATCH_SIZE: "0",
      HAYMAKER_HTTP_PORT: "not-a-port",
      HAYMAKER_INVALID_MESSAGES: "drop",
      HAYMAKER_SINKS: "cloud",
    })
    expect(await worker.exited).toBe(2)
    const output = worker.output()
    expect(output).toContain("Invalid worker configuration (4 problems)")
    expect(output).toContain("HAYMAKER_WORKER_BATCH_SIZE: must be between 1 and 1000, got 0")
    expect(output).toContain("HAYMAKER_HTTP_PORT")
    expect(output).toContain("HAYMAKER_INVALID_MESSAGES")
    expect(output).toContain("HAYMAKER_SINKS")
    expect(output).not.toContain("SharedAccessKey=")
  }, 120_000)
})
