// Starts a Logs Ingestion server process and reports the child's pid to its own parent (the test), then waits.
import { startLogsIngestionServerProcess } from "../../src/index.ts"
import { rule } from "../logsIngestionFixtures.ts"

const server = await startLogsIngestionServerProcess({ rules: [rule] })
process.send?.(server.pid)
setInterval(() => undefined, 1_000)
