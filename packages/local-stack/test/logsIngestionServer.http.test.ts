import { request } from "node:https"
import { gzipSync } from "node:zlib"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type LogsIngestionServer, startLogsIngestionServer } from "../src/index.ts"
import { RULE_ID, row, rule, STREAM } from "./logsIngestionFixtures.ts"

interface Call {
  readonly method?: string
  readonly path?: string
  readonly headers?: Record<string, string>
  readonly body?: Buffer
}

const VALID_PATH = `/dataCollectionRules/${RULE_ID}/streams/${STREAM}?api%2Dversion=2023-01-01`
const VALID_HEADERS = {
  authorization: "Bearer t",
  "content-type": "application/json",
  "content-encoding": "gzip",
}

describe("Logs Ingestion server HTTP contract", () => {
  let server: LogsIngestionServer

  const call = ({ method = "POST", path = VALID_PATH, headers = VALID_HEADERS, body }: Call) =>
    new Promise<{ status: number; code?: string; message?: string; headers: Record<string, unknown> }>(
      (resolve, reject) => {
        const req = request(
          { host: "127.0.0.1", port: server.port, method, path, headers, ca: server.ca, servername: "localhost" },
          (res) => {
            const chunks: Array<Buffer> = []
            res.on("data", (chunk: Buffer) => chunks.push(chunk))
            res.on("end", () => {
              const text = Buffer.concat(chunks).toString()
              const error = text === "" ? {} : (JSON.parse(text) as { error: { code: string; message: string } }).error
              resolve({ status: res.statusCode ?? 0, ...error, headers: res.headers })
            })
          },
        )
        req.on("error", reject)
        req.end(body ?? gzipSync(JSON.stringify([row("m1")])))
      },
    )

  beforeAll(async () => {
    server = await startLogsIngestionServer({ rules: [rule], acceptToken: (token) => token !== "expired" })
  })
  afterAll(() => server?.close())

  it("answers 204 to the exact contract, decoding the percent-encoded api-version key", async () => {
    const plainKey = `/dataCollectionRules/${RULE_ID}/streams/${STREAM}?api-version=2023-01-01`
    expect((await call({})).status).toBe(204)
    expect((await call({ path: plainKey })).status).toBe(204)
  })

  it("rejects a request without a valid bearer token with 401", async () => {
    const { authorization: _, ...anonymous } = VALID_HEADERS
    expect(await call({ headers: anonymous })).toMatchObject({ status: 401, code: "InvalidAuthenticationToken" })
    expect((await call({ headers: { ...VALID_HEADERS, authorization: "Basic dTpw" } })).status).toBe(401)
    expect((await call({ headers: { ...VALID_HEADERS, authorization: "Bearer expired" } })).status).toBe(401)
  })

  it("rejects a missing or unsupported api-version with 400", async () => {
    const base = `/dataCollectionRules/${RULE_ID}/streams/${STREAM}`
    expect(await call({ path: base })).toMatchObject({ status: 400, code: "MissingApiVersionParameter" })
    expect(await call({ path: `${base}?api-version=2020-01-01` })).toMatchObject({
      status: 400,
      code: "UnsupportedApiVersion",
    })
  })

  it("accepts the preview api-version the Python SDK 1.0.0b2 sends", async () => {
    const preview = `/dataCollectionRules/${RULE_ID}/streams/${STREAM}?api-version=2021-11-01-preview`
    expect((await call({ path: preview })).status).toBe(204)
  })

  it("answers 404 for other routes and methods", async () => {
    expect((await call({ path: "/dataCollectionRules?api-version=2023-01-01" })).status).toBe(404)
    expect((await call({ method: "PUT" })).status).toBe(404)
  })

  it("insists on gzip, JSON content and a JSON array body", async () => {
    const json = Buffer.from(JSON.stringify([row("m1")]))
    expect(await call({ headers: { ...VALID_HEADERS, "content-encoding": "identity" }, body: json })).toMatchObject({
      status: 400,
      code: "InvalidContentEncoding",
    })
    expect(await call({ body: json })).toMatchObject({ status: 400, code: "InvalidContentEncoding" })
    expect(await call({ headers: { ...VALID_HEADERS, "content-type": "text/plain" } })).toMatchObject({
      status: 400,
      code: "InvalidContentType",
    })
    expect(await call({ body: gzipSync("{not json") })).toMatchObject({ status: 400, code: "InvalidJson" })
    expect(await call({ body: gzipSync(JSON.stringify(row("m1"))) })).toMatchObject({
      status: 400,
      code: "InvalidRequestBody",
    })
  })

  it("answers 413 when the compressed or the decompressed body exceeds 1 MB", async () => {
    const incompressible = Buffer.from(Array.from({ length: 1_100_000 }, (_, i) => (i * 7919) % 251))
    const bomb = gzipSync(JSON.stringify([row("m1", "a".repeat(2_000_000))]))

    expect(bomb.length).toBeLessThan(100_000)
    expect(await call({ body: incompressible })).toMatchObject({ status: 413, code: "ContentLengthLimitExceeded" })
    expect(await call({ body: bomb })).toMatchObject({ status: 413, code: "ContentLengthLimitExceeded" })
  })

  it("answers 429 with Retry-After and retry-after-ms when throttling", async () => {
    server.faults.throttle(1, { retryAfterSeconds: 3, retryAfterMs: 2500 })
    const throttled = await call({})
    expect(throttled).toMatchObject({ status: 429, code: "TooManyRequests" })
    expect(throttled.headers["retry-after"]).toBe("3")
    expect(throttled.headers["retry-after-ms"]).toBe("2500")
    expect((await call({})).status).toBe(204)
  })
})
