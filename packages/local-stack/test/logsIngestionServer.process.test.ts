import { isAggregateLogsUploadError, LogsIngestionClient } from "@azure/monitor-ingestion"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  type LogsIngestionServerProcess,
  startLogsIngestionServerProcess,
  staticTokenCredential,
} from "../src/index.ts"
import { RULE_ID, row, rule, STREAM } from "./logsIngestionFixtures.ts"

const processAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe("Logs Ingestion server in a child process, through the real LogsIngestionClient", () => {
  let server: LogsIngestionServerProcess
  let client: LogsIngestionClient

  beforeAll(async () => {
    server = await startLogsIngestionServerProcess({ rules: [rule] })
    client = new LogsIngestionClient(server.endpoint, staticTokenCredential(), {
      tlsOptions: { ca: server.ca },
      retryOptions: { maxRetries: 0 },
    })
  }, 60_000)
  afterAll(() => server?.close())

  it("accepts uploads and answers the rows and requests it recorded", async () => {
    await client.upload(RULE_ID, STREAM, [row("p1"), row("p2")])

    expect((await server.rows(STREAM)).map((r) => r.message_id)).toEqual(["p1", "p2"])
    expect(await server.rows(STREAM, "dcr-other")).toEqual([])
    const requests = await server.requests()
    expect(requests.map((request) => [request.status, request.rowCount])).toEqual([[204, 2]])
    await server.reset()
    expect(await server.rows(STREAM)).toEqual([])
  })

  it("injects faults on request and clears them", async () => {
    await server.faults.fail(500, { count: 1 })
    const failure = await client.upload(RULE_ID, STREAM, [row("p3")]).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(isAggregateLogsUploadError(failure) && failure.errors.length).toBe(1)

    await server.faults.throttle(5, { retryAfterSeconds: 1 })
    await server.faults.clear()
    await client.upload(RULE_ID, STREAM, [row("p4")])
    expect((await server.rows(STREAM)).map((r) => r.message_id)).toEqual(["p4"])
    expect((await server.requests()).map((request) => request.status)).toEqual([500, 204])
  })

  it("refuses, across the process boundary, only the requests carrying a row of a given kind", async () => {
    await server.reset()
    await server.faults.fail(400, { rows: { column: "message", prefix: "refuse" } })
    const refused = await client.upload(RULE_ID, STREAM, [row("r1"), row("r2", "refuse me")]).then(
      () => undefined,
      (error: unknown) => error,
    )
    await client.upload(RULE_ID, STREAM, [row("r3")])
    await server.faults.clear()
    expect(isAggregateLogsUploadError(refused)).toBe(true)
    expect((await server.rows(STREAM)).map((r) => r.message_id)).toEqual(["r3"])
    expect((await server.requests()).map((request) => request.status)).toEqual([400, 204])
  })

  it("closes once, and rejects calls after that", async () => {
    const other = await startLogsIngestionServerProcess({ rules: [rule] })
    await Promise.all([other.close(), other.close()])
    await expect(other.rows(STREAM)).rejects.toThrow(/not running/)
  }, 60_000)

  it("exits when the process that started it goes away", async () => {
    const { fork } = await import("node:child_process")
    const { fileURLToPath } = await import("node:url")
    // A parent that starts the server, reports its pid, then is killed without closing it.
    const parent = fork(fileURLToPath(new URL("./support/serverProcessParent.ts", import.meta.url)), [], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    })
    const pid = await new Promise<number>((resolve) => parent.once("message", (message) => resolve(Number(message))))
    expect(processAlive(pid)).toBe(true)
    parent.kill("SIGKILL")
    const deadline = Date.now() + 10_000
    while (processAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    expect(processAlive(pid)).toBe(false)
  }, 60_000)
})
