import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { type AddressInfo, createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ServiceBusClient } from "@azure/service-bus"
import Long from "long"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { StackState } from "../src/local/StackState.ts"
import { runCli } from "./support/cli.ts"
import { eventually, startWorkerProcess, type WorkerProcess } from "./support/workerProcess.ts"

// Each CLI call is a process of its own (Node, Effect and the SDKs load every time): slow on a busy 2-core machine.
const SLOW = 120_000

/**
 * The local stack as an operator uses it: `local up` in a folder (here `<tmp>/.haymaker/local`, found from `<tmp>` as
 * the current directory), the worker started and stopped against it, the stack itself restarted, and the commands that
 * need it once it is down. Every step is the CLI in its own process.
 */
describe("local stack", () => {
  let home: string
  let stateDir: string
  let client: ServiceBusClient | undefined
  const workers: Array<WorkerProcess> = []
  // Ports 0 on the first start: free ones, which later starts reuse.
  const anyPorts = [
    "--emulator-port",
    "0",
    "--emulator-http-port",
    "0",
    "--azurite-port",
    "0",
    "--logs-ingestion-port",
    "0",
  ]
  // Only what an operator's shell would have; the stack is found from the current directory.
  const env = () => ({ HAYMAKER_HTTP_HOST: "127.0.0.1", HAYMAKER_LOG_LEVEL: "Info" })
  const cli = (args: ReadonlyArray<string>, extra: Record<string, string> = {}) =>
    runCli(args, { ...env(), ...extra }, home)
  const state = async () => JSON.parse(await readFile(join(stateDir, "stack.json"), "utf8")) as StackState

  /** Messages the subscription holds (active) and its dead-letter queue holds, read without taking them. */
  const counts = async () => {
    const bus = client as ServiceBusClient
    const peekAll = async (subQueueType?: "deadLetter") => {
      const receiver = bus.createReceiver("agent-logs", "orchestrator-sub", subQueueType ? { subQueueType } : {})
      try {
        return (await receiver.peekMessages(1_000, { fromSequenceNumber: Long.ZERO })).length
      } finally {
        await receiver.close()
      }
    }
    return { active: await peekAll(), deadLettered: await peekAll("deadLetter") }
  }

  const startWorker = (extra: Record<string, string> = {}) => {
    const worker = startWorkerProcess(["run"], { ...env(), ...extra }, home)
    workers.push(worker)
    return worker
  }

  const stopWorker = async (worker: WorkerProcess) => {
    worker.child.kill("SIGTERM")
    expect(await worker.exited).toBe(0)
  }

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "haymaker-local-stack-"))
    stateDir = join(home, ".haymaker", "local")
    await copyFile(new URL("../examples/events.jsonl", import.meta.url), join(home, "events.jsonl"))
  })

  afterAll(async () => {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill("SIGKILL")
    await client?.close()
    await cli(["local", "down", "--wipe"])
    await rm(home, { recursive: true, force: true })
  }, SLOW)

  it(
    "keeps its queue, dead letters, ports and archive across a worker restart and its own restart",
    async () => {
      const up = await cli(["local", "up", ...anyPorts])
      expect(up.stderr).toBe("")
      expect(up.code).toBe(0)
      expect(up.stdout).toContain(`state in ${stateDir}`)
      const first = await state()
      client = new ServiceBusClient(first.serviceBusConnectionString)

      // A path relative to where the command runs; then two bodies a broken agent might send.
      const published = await cli(["publish", "events.jsonl"])
      expect(published.stdout).toContain("published 8 event(s) to agent-logs")
      await client
        .createSender("agent-logs")
        .sendMessages([{ body: Buffer.from("{not json") }, { body: Buffer.from("[1, 2]") }])
      expect(await counts()).toEqual({ active: 10, deadLettered: 0 })

      // The worker finds the stack without settings, says what it connected to, settles everything, and says so.
      const worker = startWorker({ HAYMAKER_PROGRESS_INTERVAL_MS: "500" })
      expect(await eventually(async () => (await counts()).active === 0, SLOW)).toBe(true)
      expect(await counts()).toEqual({ active: 0, deadLettered: 2 })
      const progress = "10 received, 8 completed, 2 dead-lettered (InvalidJson 1, NotAnObject 1), 0 abandoned"
      expect(await eventually(() => worker.output().includes(progress), SLOW), worker.output()).toBe(true)
      await stopWorker(worker)
      expect(worker.output()).toMatch(
        new RegExp(
          `connected, receiving from agent-logs/orchestrator-sub: Service Bus sb://127\\.0\\.0\\.1:${first.ports.emulator} \\(emulator, key RootManageSharedAccessKey\\), agent-logs/orchestrator-sub; Log Analytics ${first.logsIngestionEndpoint.replaceAll(".", "\\.")} .*; archive http://127\\.0\\.0\\.1:${first.ports.azurite}/devstoreaccount1 container haymaker-events`,
        ),
      )
      expect(worker.output()).not.toContain("SAS_KEY_VALUE")

      // With no worker running, the queue holds what arrives.
      await writeFile(
        join(home, "later.jsonl"),
        `${JSON.stringify({
          event_type: "resource_created",
          resource_id: "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/later1",
          resource_type: "Microsoft.Storage/storageAccounts",
          resource_name: "later1",
          scenario_name: "storage",
          run_id: "run-456",
          timestamp: "2024-11-15T08:00:00Z",
        })}\n`,
      )
      expect((await cli(["publish", "later.jsonl"])).code).toBe(0)
      expect(await counts()).toEqual({ active: 1, deadLettered: 2 })

      // The stack restarts with its ports (the same connection string), its queue and its dead letters.
      await client.close()
      client = undefined
      const down = await cli(["local", "down"])
      expect(down.code).toBe(0)
      expect((await cli(["local", "status"])).code).toBe(3)
      expect((await cli(["local", "up"])).code).toBe(0)
      const second = await state()
      // What survived is the emulator's journal in the stack's folder (its durable --data-dir).
      expect((await readdir(join(stateDir, "servicebus"))).length).toBeGreaterThan(0)
      expect(second.ports).toEqual(first.ports)
      expect(second.serviceBusConnectionString).toBe(first.serviceBusConnectionString)
      client = new ServiceBusClient(second.serviceBusConnectionString)
      expect(await counts()).toEqual({ active: 1, deadLettered: 2 })
      const peeked = await cli(["dlq", "peek"])
      expect(peeked.code).toBe(0)
      const letters = peeked.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { reason: string })
      expect(letters.map((letter) => letter.reason).sort()).toEqual(["InvalidJson", "NotAnObject"])

      // A worker configured from the env file (the emulator's connection string, local sinks) takes the rest.
      const sourced = Object.fromEntries(
        [...(await readFile(join(stateDir, "env"), "utf8")).matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [
          m[1],
          m[2],
        ]),
      ) as Record<string, string>
      expect(sourced.HAYMAKER_SERVICEBUS_CONNECTION_STRING).toBe(second.serviceBusConnectionString)
      const again = startWorker({ ...sourced, HAYMAKER_SINKS: "local" })
      expect(await eventually(async () => (await counts()).active === 0, SLOW)).toBe(true)
      await stopWorker(again)
      expect(await counts()).toEqual({ active: 0, deadLettered: 2 })

      // The archive in Azurite kept both workers' writes across the stack's restart.
      const report = await cli(["report", "--format", "json"])
      expect(report.code).toBe(0)
      const runs = (JSON.parse(report.stdout) as { runs: ReadonlyArray<{ run_id: string; created: number }> }).runs
      expect(runs.map((run) => [run.run_id, run.created])).toEqual([
        ["run-123", 2],
        ["run-456", 1],
      ])
    },
    6 * SLOW,
  )

  it(
    "a port that is taken: local up names it and how to choose another, without a stack trace",
    async () => {
      const taken = createServer()
      await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve))
      const port = (taken.address() as AddressInfo).port
      try {
        const ports = [...anyPorts]
        ports[1] = String(port)
        const up = await cli(["local", "up", "--dir", join(home, "other"), ...ports])
        expect(up.code).toBe(1)
        expect(up.stderr).toContain(
          `the Service Bus emulator: port ${port} is in use; stop what holds it, or choose another port (local up --emulator-port <port>, or HAYMAKER_LOCAL_EMULATOR_PORT; 0 for any free one)`,
        )
        expect(up.stderr).not.toMatch(/\n\s+at /)
      } finally {
        taken.close()
      }
    },
    SLOW,
  )

  it(
    "when the stack is down, the commands that need it say so and how to start it",
    async () => {
      await client?.close()
      client = undefined
      expect((await cli(["local", "down"])).code).toBe(0)
      const sourced = { HAYMAKER_SERVICEBUS_CONNECTION_STRING: (await state()).serviceBusConnectionString }
      for (const [args, extra] of [
        [["dlq", "peek"], {}],
        [["dlq", "peek"], sourced],
        [["publish", "events.jsonl"], {}],
        [["report"], {}],
      ] as const) {
        const result = await cli(args, extra)
        expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(1)
        expect(result.stderr.trim(), args.join(" ")).toMatch(
          /^the local stack is not running: haymaker-worker local up/,
        )
        expect(result.stderr).not.toMatch(/ECONNREFUSED|\n\s+at /)
      }
      // `run` with the stack named (its env file names the folder) does not start peers of its own.
      const run = await cli(["run"], { HAYMAKER_LOCAL_DIR: stateDir, HAYMAKER_HTTP_PORT: "0" })
      expect(run.code).toBe(1)
      expect(run.stderr).toContain("the local stack is not running: haymaker-worker local up")
    },
    4 * SLOW,
  )
})
