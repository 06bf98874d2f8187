import { LogAnalyticsIngestionSink, streamDeclarations } from "@haymaker/adapters-sinks"
import { type LogsIngestionServer, startLogsIngestionServer, staticTokenCredential } from "@haymaker/local-stack"
import { afterAll, beforeAll, beforeEach } from "vitest"

export const RULE_ID = "dcr-0123456789abcdef0123456789abcdef"

/**
 * The local Logs Ingestion server (in this process, so fault rules take functions) for the file's tests; each test
 * starts with no rows, no recorded requests and no fault rules.
 */
export const useLogsIngestionServer = (): (() => LogsIngestionServer) => {
  let server: LogsIngestionServer | undefined
  beforeAll(async () => {
    server = await startLogsIngestionServer({
      rules: [{ immutableId: RULE_ID, streamDeclarations: streamDeclarations() }],
    })
  })
  beforeEach(() => {
    server?.reset()
    server?.faults.clear()
  })
  afterAll(() => server?.close())
  return () => {
    if (server === undefined) throw new Error("the Logs Ingestion server is not started yet")
    return server
  }
}

/** The real Log Analytics sink against that server, without SDK retries (the worker's own retries are tested). */
export const logAnalyticsSinkLayer = (server: LogsIngestionServer) =>
  LogAnalyticsIngestionSink.layer({
    endpoint: server.endpoint,
    dataCollectionRuleId: RULE_ID,
    credential: staticTokenCredential(),
    trustedCa: server.ca,
    maxRetries: 0,
  })
