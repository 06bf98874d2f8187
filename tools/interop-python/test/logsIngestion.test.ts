import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { Agent } from "node:https"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { isAggregateLogsUploadError, LogsIngestionClient } from "@azure/monitor-ingestion"
import { ResourcesStream, streamDeclarations } from "@haymaker/adapters-sinks"
import { type LogsIngestionServer, startLogsIngestionServer, staticTokenCredential } from "@haymaker/local-stack"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { runPython } from "../src/python.ts"

const ruleId = "dcr-00000000000000000000000000000001"

type Outcome =
  | { readonly accepted: true }
  | { readonly accepted: false; readonly status: number; readonly code: string }

const resourceRow = (index: number) => ({
  TimeGenerated: "2024-11-14T12:00:00Z",
  resource_id: `/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm${index}`,
  resource_type: "Microsoft.Compute/virtualMachines",
  resource_name: `vm${index}`,
  scenario_name: "test-scenario",
  run_id: "run-123",
  created_at: "2024-11-14T12:00:00Z",
  status: "created",
  deletion_attempts: 0,
  tags: { environment: "test", padding: "x".repeat(200) },
  message_id: `m-${index}`,
  sequence_number: String(index),
})

/** The same upload through the JS SDK (@azure/monitor-ingestion 1.2.0), reported the way the Python script does. */
const uploadFromJs = async (
  server: LogsIngestionServer,
  rule: string,
  stream: string,
  rows: ReadonlyArray<Record<string, unknown>>,
): Promise<Outcome> => {
  const agent = new Agent({ ca: server.ca })
  const client = new LogsIngestionClient(server.endpoint, staticTokenCredential(), {
    agent,
    retryOptions: { maxRetries: 0 },
  })
  try {
    await client.upload(rule, stream, [...rows])
    return { accepted: true }
  } catch (error) {
    const first = isAggregateLogsUploadError(error) ? error.errors[0]?.cause : error
    const cause = first as { statusCode?: number; code?: string }
    return { accepted: false, status: cause.statusCode ?? 0, code: cause.code ?? "" }
  } finally {
    agent.destroy()
  }
}

describe("LogsIngestionClient from Python (azure-monitor-ingestion 1.0.0b2) against the local Logs Ingestion server", () => {
  let server: LogsIngestionServer
  const directory = mkdtempSync(join(tmpdir(), "interop-logs-"))
  const ca = join(directory, "ca.pem")

  const uploadFromPython = (rule: string, stream: string, rows: ReadonlyArray<Record<string, unknown>>) =>
    runPython<Outcome>("logs_ingestion.py", { endpoint: server.endpoint, ca, ruleId: rule, stream, rows })

  /** Both SDKs upload the same rows: the server must answer them alike, as the one real service would. */
  const bothSdks = async (rule: string, stream: string, rows: ReadonlyArray<Record<string, unknown>>) => {
    server.reset()
    const python = await uploadFromPython(rule, stream, rows)
    const pythonRows = server.rows(stream)
    server.reset()
    const js = await uploadFromJs(server, rule, stream, rows)
    const jsRows = server.rows(stream)
    return { python, js, pythonRows, jsRows }
  }

  beforeAll(async () => {
    server = await startLogsIngestionServer({
      rules: [{ immutableId: ruleId, streamDeclarations: streamDeclarations() }],
    })
    writeFileSync(ca, server.ca)
  })

  beforeEach(() => server.reset())

  afterAll(async () => {
    await server?.close()
    rmSync(directory, { recursive: true, force: true })
  })

  it("accepts valid rows from both SDKs and records them identically (Python sends api-version 2021-11-01-preview)", async () => {
    const rows = [resourceRow(1), resourceRow(2), resourceRow(3)]
    const result = await bothSdks(ruleId, ResourcesStream.stream, rows)
    expect(result.python).toEqual({ accepted: true })
    expect(result.js).toEqual({ accepted: true })
    expect(result.pythonRows).toEqual(rows)
    expect(result.jsRows).toEqual(rows)
  })

  it("takes more than the 1 MB call limit from both, each SDK splitting it into gzipped calls under the limit", async () => {
    const rows = Array.from({ length: 6_000 }, (_, index) => resourceRow(index))
    expect(Buffer.byteLength(JSON.stringify(rows))).toBeGreaterThan(2 * 1024 * 1024)
    const result = await bothSdks(ruleId, ResourcesStream.stream, rows)
    expect(result.python).toEqual({ accepted: true })
    expect(result.js).toEqual({ accepted: true })
    // The JS SDK sends its calls concurrently, so rows arrive in call order, not row order.
    const inOrder = (received: ReadonlyArray<Record<string, unknown>>) =>
      [...received].sort((a, b) => Number(a.sequence_number) - Number(b.sequence_number))
    expect(inOrder(result.pythonRows)).toEqual(rows)
    expect(inOrder(result.jsRows)).toEqual(rows)
    const calls = server.requests().filter((request) => request.status === 204)
    expect(calls.length).toBeGreaterThan(2)
    for (const call of calls) expect(call.compressedBytes).toBeLessThanOrEqual(1024 * 1024)
  })

  it.each([
    [
      "an unknown data collection rule",
      "dcr-ffffffffffffffffffffffffffffffff",
      ResourcesStream.stream,
      [resourceRow(1)],
    ],
    ["an undeclared stream", ruleId, "Custom-Nope", [resourceRow(1)]],
    [
      "a row whose column has the wrong type",
      ruleId,
      ResourcesStream.stream,
      [{ ...resourceRow(1), deletion_attempts: "three" }],
    ],
    [
      "a row that is not an object",
      ruleId,
      ResourcesStream.stream,
      ["not a row" as unknown as Record<string, unknown>],
    ],
  ])("refuses %s from both SDKs with the same status and code, keeping no row", async (_, rule, stream, rows) => {
    const result = await bothSdks(rule, stream, rows)
    expect(result.python.accepted).toBe(false)
    expect(result.python).toEqual(result.js)
    expect(result.pythonRows).toEqual([])
    expect(result.jsRows).toEqual([])
  })
})
