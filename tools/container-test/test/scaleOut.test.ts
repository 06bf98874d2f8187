// The worker's image as it is deployed: two containers on one subscription, agents publishing from a third process,
// one container stopped (SIGTERM) halfway, the other killed (SIGKILL) once and restarted. Afterwards every valid event
// is in both sinks, poison messages are dead-lettered with their reasons, and every extra copy in a sink is a message
// the broker redelivered after a lock expired (the emulator's own log says which).
import { spawn } from "node:child_process"
import { writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { accountFor, holdings, subscriptionEmpty } from "../src/accounting.ts"
import { POISON_KINDS, poisonId, validId } from "../src/agentTraffic.ts"
import { containerLogs, podman } from "../src/podman.ts"
import { Progress } from "../src/progress.ts"
import { CLIENT_ID, type LocalStack, startLocalStack } from "../src/stack.ts"
import {
  removeContainer,
  runWorkerContainer,
  until,
  type WorkerContainer,
  waitForExit,
  waitReady,
} from "../src/workerContainer.ts"

const EVENTS = Number(process.env.CONTAINER_TEST_EVENTS ?? 20_000)
const POISON_PER_KIND = 25
const TOTAL = EVENTS + POISON_PER_KIND * POISON_KINDS.length
const image = process.env.HAYMAKER_WORKER_IMAGE
const publisherMain = fileURLToPath(new URL("../src/publishMain.ts", import.meta.url))

let stack: LocalStack
const workers: Array<WorkerContainer> = []
const names = [`haymaker-ct-a-${process.pid}`, `haymaker-ct-b-${process.pid}`] as const

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1)

beforeAll(async () => {
  if (image === undefined) throw new Error("HAYMAKER_WORKER_IMAGE is not set: run tools/container-test/run.sh")
  // A killed worker's messages come back after the lock duration; MaxDeliveryCount leaves room for redeliveries.
  stack = await startLocalStack({ lockDuration: "PT10S", maxDeliveryCount: 10 })
})

let passed = false

afterAll(async () => {
  for (const name of names) {
    // A failure is explained by what the workers said: their logs are kept, and their last lines reported.
    if (!passed) {
      const logs = await containerLogs(name).catch(() => ({ stdout: "", stderr: "(no logs)" }))
      const text = `${logs.stdout}${logs.stderr}`
      const kept = join(tmpdir(), `${name}.log`)
      await writeFile(kept, text)
      console.log(`--- ${name} (whole log: ${kept}), last lines ---\n${text.split("\n").slice(-40).join("\n")}`)
    }
    await removeContainer(name)
  }
  await stack?.close()
})

const publish = () =>
  new Promise<{ sent: number; seconds: number }>((resolve, reject) => {
    const child = spawn(process.execPath, [publisherMain, String(EVENTS), String(POISON_PER_KIND)], {
      env: { ...process.env, SERVICEBUS_CONNECTION_STRING: stack.emulator.connectionString },
      stdio: ["ignore", "pipe", "inherit"],
    })
    let last = ""
    child.stdout.on("data", (chunk: Buffer) => {
      last = chunk.toString("utf8").trim().split("\n").at(-1) ?? last
    })
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`the publisher exited with ${code}`))
      else resolve(JSON.parse(last) as { sent: number; seconds: number })
    })
  })

/** Every line the worker wrote is a JSON object on standard error; standard output stays empty. */
const expectJsonLogs = async (name: string) => {
  const { stdout, stderr } = await containerLogs(name)
  expect(stdout).toBe("")
  const lines = stderr.split("\n").filter((line) => line.trim() !== "")
  expect(lines.length).toBeGreaterThan(0)
  for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow()
  return lines.map((line) => JSON.parse(line) as { message?: unknown; level?: string })
}

describe(`the worker image (${image}), two containers on one subscription`, () => {
  it("SIGTERM drains and exits 0, SIGKILL loses nothing: every event in both sinks, poison dead-lettered with its reason", async () => {
    for (const name of names) {
      workers.push(
        await runWorkerContainer({
          image: image as string,
          name,
          env: stack.workerEnv,
          mounts: [stack.caPath],
          directory: stack.directory,
        }),
      )
    }
    const [a, b] = workers as [WorkerContainer, WorkerContainer]
    await Promise.all(workers.map((worker) => waitReady(worker)))

    // The image as built: its own healthcheck passes, the worker is not root, the tree holds no local profile.
    for (const worker of workers) {
      expect((await podman(["healthcheck", "run", worker.name], { allowFailure: true })).code).toBe(0)
    }
    expect((await podman(["exec", a.name, "id", "-u"])).stdout.trim()).toBe("10001")
    const installed = (await podman(["exec", a.name, "ls", "/opt/haymaker/node_modules/@haymaker"])).stdout
    expect(installed.split("\n").filter(Boolean).sort()).toEqual([
      "adapters-servicebus",
      "adapters-sinks",
      "app-worker",
      "domain",
    ])

    const report: Record<string, unknown> = { events: EVENTS, poison: TOTAL - EVENTS }
    const progress = new Progress(() => workers)
    const started = performance.now()
    const published = publish()

    // A quarter in: SIGKILL one worker (nothing drains), and start the same container again at once.
    await until("a quarter of the messages settled", async () => (await progress.settled()) >= TOTAL / 4, 600_000)
    const killedAt = await progress.settled()
    await podman(["kill", "--signal", "KILL", b.name])
    const killed = await waitForExit(b.name, 60_000)
    expect(killed.exitCode).toBe(137)
    progress.restarted(b.name)
    await podman(["start", b.name])
    console.log(`container test: ${b.name} killed at ${killedAt} settled (${seconds(started)} s) and started again`)

    // Halfway, while that one starts again: podman stop (SIGTERM) the other; it settles what it holds and exits 0.
    await until("half of the messages settled", async () => (await progress.settled()) >= TOTAL / 2, 600_000)
    const stopping = performance.now()
    const stoppedAt = await progress.settled()
    await podman(["stop", "--time", "60", a.name])
    const stopped = await waitForExit(a.name, 90_000)
    expect(stopped.exitCode).toBe(0)
    const aLogs = await expectJsonLogs(a.name)
    // The drain ends within the worker's shutdown bound: every message it had taken is settled or handed back.
    // Known defect (reported): a message the subscription stream had pulled but not yet handed over when receiving
    // was interrupted is neither processed nor abandoned, so the drain waits out the bound (30 s) and the broker
    // redelivers it after its lock. The accounting below shows nothing is lost either way.
    const drain = aLogs
      .map((line) => String(line.message))
      .find((message) => /^stopped cleanly$|did not finish/.test(message))
    expect(drain, "the worker logs how its drain ended").toBeDefined()
    report.drain = drain === "stopped cleanly" ? "clean" : "ran into the shutdown bound"
    console.log(
      `container test: ${a.name} stopped at ${stoppedAt} settled (${seconds(started)} s), exit 0 after ${seconds(stopping)} s`,
    )
    await waitReady(b)

    const publisher = await published
    expect(publisher.sent).toBe(TOTAL)

    // The rest is the restarted worker's: done when the subscription holds nothing, locked messages included (the
    // workers' counters cannot say: a killed worker's last completions are never scraped).
    await until("the subscription to be empty", () => subscriptionEmpty(stack), 900_000, 1_000)
    const drained = (performance.now() - started) / 1000
    await podman(["stop", "--time", "60", b.name])
    expect((await waitForExit(b.name, 90_000)).exitCode).toBe(0)
    await expectJsonLogs(b.name)

    const held = await holdings(stack)
    expect(held.remaining).toBe(0)
    const valid = new Set(Array.from({ length: EVENTS }, (_, n) => validId(n)))
    const redelivered = stack.emulator.lockExpiries()
    Object.assign(report, {
      publishSeconds: publisher.seconds,
      drainSeconds: drained,
      messagesPerSecond: Math.round(TOTAL / drained),
      lockExpiries: redelivered.size,
    })
    for (const [sink, copies] of [
      ["logAnalytics", held.logAnalytics],
      ["archive", held.archive],
    ] as const) {
      const account = accountFor(copies, valid)
      report[sink] = {
        copies: [...copies.values()].reduce((n, list) => n + list.length, 0),
        duplicates: account.duplicates,
      }
      expect(account.missing, `${sink}: missing events`).toEqual([])
      expect(account.unexpected, `${sink}: messages that are not valid events`).toEqual([])
      expect(account.republished, `${sink}: one message id under two sequence numbers`).toEqual([])
      // At-least-once: an extra copy is only allowed for a message whose lock expired (the broker redelivered it).
      const unexplained = account.duplicatedSequenceNumbers.filter((sequence) => !redelivered.has(sequence))
      expect(unexplained, `${sink}: copies without a redelivery`).toEqual([])
    }
    expect(held.unreadable).toEqual([])

    // Poison: each dead-lettered once, with its kind as the reason and a description; nothing else dead-lettered.
    const expectedPoison = POISON_KINDS.flatMap((kind) =>
      Array.from({ length: POISON_PER_KIND }, (_, n) => ({ messageId: poisonId(kind, n), reason: kind })),
    )
    expect(
      held.deadLetters
        .map(({ messageId, reason }) => ({ messageId, reason }))
        .sort((x, y) => x.messageId.localeCompare(y.messageId)),
    ).toEqual(expectedPoison.sort((x, y) => x.messageId.localeCompare(y.messageId)))
    for (const letter of held.deadLetters) expect(letter.description, letter.messageId).not.toBe("")
    const poisonSequences = new Set(held.deadLetters.map((letter) => letter.sequenceNumber))
    for (const copies of [held.logAnalytics, held.archive]) {
      expect([...copies.values()].flat().filter((sequence) => poisonSequences.has(sequence))).toEqual([])
    }

    // Log Analytics was written with the managed identity's tokens only: issued for Azure Monitor, to the identity.
    const requests = await stack.logsIngestion.requests()
    expect(requests.length).toBeGreaterThan(0)
    for (const request of requests) {
      const issued = stack.identity.tokenOf(request.authorization?.replace(/^Bearer /, "") ?? "")
      expect(issued?.clientId).toBe(CLIENT_ID)
      expect(issued?.resource).toMatch(/^https:\/\/monitor\.azure\.com/)
    }
    console.log(`container test: ${JSON.stringify(report)}`)
    passed = true
  })
})
