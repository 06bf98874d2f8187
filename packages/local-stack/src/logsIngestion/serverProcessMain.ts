// The child-process side of startLogsIngestionServerProcess: runs the server and answers its parent over IPC.
import { type LogsIngestionServer, startLogsIngestionServer } from "./LogsIngestionServer.ts"
import type { ServerProcessReply, ServerProcessRequest } from "./LogsIngestionServerProcess.ts"

let server: LogsIngestionServer | undefined

const reply = (message: ServerProcessReply) => process.send?.(message)

const answer = async (request: ServerProcessRequest): Promise<unknown> => {
  if (request.op === "start") {
    server = await startLogsIngestionServer(request.options)
    return { endpoint: server.endpoint, port: server.port, ca: server.ca }
  }
  if (server === undefined) throw new Error("the Logs Ingestion server is not started")
  switch (request.op) {
    case "rows":
      return server.rows(request.stream, request.ruleId)
    case "requests":
      return server.requests()
    case "reset":
      return server.reset()
    case "throttle":
      return server.faults.throttle(request.count, request.options)
    case "fail":
      return server.faults.fail(request.status, request.options)
    case "slow":
      return server.faults.slow(request.delayMs, request.options)
    case "clear":
      return server.faults.clear()
    case "close":
      await server.close()
      setImmediate(() => process.exit(0))
      return undefined
  }
}

process.on("message", (request: ServerProcessRequest) => {
  answer(request).then(
    (result) => reply({ id: request.id, ok: true, result }),
    (error: unknown) => reply({ id: request.id, ok: false, error: String(error) }),
  )
})
// The parent went away (killed, crashed): nobody can use the server any more.
process.on("disconnect", () => process.exit(0))
