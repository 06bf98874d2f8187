import { isAggregateLogsUploadError, LogsIngestionClient } from "@azure/monitor-ingestion"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { type LogsIngestionServer, startLogsIngestionServer, staticTokenCredential } from "../src/index.ts"
import { RULE_ID, row, rule, STREAM } from "./logsIngestionFixtures.ts"

const failureOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!isAggregateLogsUploadError(error)) throw new Error(`expected AggregateLogsUploadError, got ${String(error)}`)
  return error.errors.map((failure) => ({
    status: (failure.cause as { statusCode?: number }).statusCode,
    message: failure.cause.message,
    rows: failure.failedLogs.length,
  }))
}

describe("Logs Ingestion server through the real LogsIngestionClient", () => {
  let server: LogsIngestionServer
  let client: LogsIngestionClient
  const credential = staticTokenCredential("fake-token")

  beforeAll(async () => {
    server = await startLogsIngestionServer({ rules: [rule] })
    client = new LogsIngestionClient(server.endpoint, credential, {
      tlsOptions: { ca: server.ca },
      retryOptions: { maxRetries: 2, retryDelayInMs: 5, maxRetryDelayInMs: 20 },
    })
  })
  afterAll(() => server?.close())
  beforeEach(() => {
    server.faults.clear()
    server.reset()
  })

  it("accepts a gzip upload with a bearer token and keeps the rows with the request id", async () => {
    await client.upload(RULE_ID, STREAM, [row("m1"), row("m2")])

    expect(server.rows(STREAM).map((r) => r.message_id)).toEqual(["m1", "m2"])
    expect(server.rows(STREAM, "dcr-other")).toEqual([])
    const [upload] = server.uploads()
    const [request] = server.requests()
    expect(upload?.requestId).toMatch(/^[0-9a-f-]{36}$/)
    expect(request).toMatchObject({ status: 204, requestId: upload?.requestId, authorization: "Bearer fake-token" })
    expect(credential.requestedScopes()).toEqual(["https://monitor.azure.com/.default"])
  })

  it("answers 404 for an unknown stream and for an unknown rule", async () => {
    const unknownStream = await failureOf(client.upload(RULE_ID, "Custom-Nope", [row("m1")]))
    const unknownRule = await failureOf(client.upload("dcr-unknown", STREAM, [row("m1")]))

    expect(unknownStream).toEqual([{ status: 404, message: expect.stringContaining("Custom-Nope"), rows: 1 }])
    expect(unknownRule).toEqual([{ status: 404, message: expect.stringContaining("dcr-unknown"), rows: 1 }])
    expect(server.rows(STREAM)).toEqual([])
  })

  it("answers 400 naming an undeclared column or a column of the wrong type", async () => {
    const undeclared = await failureOf(client.upload(RULE_ID, STREAM, [row("m1"), { ...row("m2"), Extra: 1 }]))
    const wrongType = await failureOf(client.upload(RULE_ID, STREAM, [{ ...row("m3"), count: "one" }]))
    const missingTime = await failureOf(client.upload(RULE_ID, STREAM, [{ message_id: "m4" }]))

    expect(undeclared[0]?.status).toBe(400)
    expect(undeclared[0]?.message).toContain("row 1: column 'Extra' is not declared")
    expect(wrongType[0]?.message).toContain("column 'count' of stream Custom-PeerTest expects int")
    expect(missingTime[0]?.message).toContain("'TimeGenerated'")
    expect(server.rows(STREAM)).toEqual([])
  })

  it("throttles the next request with 429 and Retry-After, which the SDK honours and retries", async () => {
    server.faults.throttle(1, { retryAfterSeconds: 1 })

    await client.upload(RULE_ID, STREAM, [row("m1")])

    expect(server.requests().map((r) => r.status)).toEqual([429, 204])
    expect(server.rows(STREAM).map((r) => r.message_id)).toEqual(["m1"])
  })

  it("fails persistently with 500 until cleared, and only the matching requests", async () => {
    server.faults.fail(500, {
      match: ({ rows }) => rows.some((r) => (r as { message_id?: string }).message_id === "bad"),
    })

    const failures = await failureOf(client.upload(RULE_ID, STREAM, [row("bad")]))
    await client.upload(RULE_ID, STREAM, [row("good")])

    expect(failures).toEqual([{ status: 500, message: expect.any(String), rows: 1 }])
    expect(server.requests().map((r) => r.status)).toEqual([500, 500, 500, 204])
    server.faults.clear()
    await client.upload(RULE_ID, STREAM, [row("bad")])
    expect(server.rows(STREAM).map((r) => r.message_id)).toEqual(["good", "bad"])
  })

  it("fails a given number of requests with 503", async () => {
    server.faults.fail(503, { count: 2 })

    await client.upload(RULE_ID, STREAM, [row("m1")])

    expect(server.requests().map((r) => r.status)).toEqual([503, 503, 204])
  })

  it("fails requests for a duration", async () => {
    server.faults.fail(500, { durationMs: 60_000 })
    const failures = await failureOf(client.upload(RULE_ID, STREAM, [row("m1")]))
    expect(failures[0]?.status).toBe(500)
  })

  it("answers slowly on demand, so a client deadline aborts the call", async () => {
    server.faults.slow(5_000, { count: 1 })

    const outcome = await client.upload(RULE_ID, STREAM, [row("m1")], { abortSignal: AbortSignal.timeout(100) }).then(
      () => "landed",
      (error: unknown) =>
        isAggregateLogsUploadError(error) ? error.errors.map((failure) => failure.cause.name).join() : String(error),
    )

    expect(outcome).toBe("AbortError")
    expect(server.rows(STREAM)).toEqual([])
  })

  it("accepts a batch over 1 MB because the SDK splits it into calls under the limit", async () => {
    const big = "x".repeat(10_000)
    const rows = Array.from({ length: 250 }, (_, i) => row(`m${i}`, big))

    await client.upload(RULE_ID, STREAM, rows)

    expect(server.uploads().length).toBeGreaterThanOrEqual(3)
    // Chunks go up concurrently, so compare as sets.
    expect(new Set(server.rows(STREAM).map((r) => r.message_id))).toEqual(new Set(rows.map((r) => r.message_id)))
    expect(server.rows(STREAM)).toHaveLength(rows.length)
  })
})
