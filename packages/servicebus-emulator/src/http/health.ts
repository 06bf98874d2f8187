import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"

export interface HealthReport {
  readonly status: "healthy"
  readonly [key: string]: unknown
}

/**
 * `GET /health` answers 200 with a JSON report; every other request goes to `other` (the management API, as on the
 * official emulator's port 5300), or is 404 without it.
 */
export const startHealthServer = async (
  host: string,
  port: number,
  report: () => HealthReport,
  other?: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<{ readonly port: number; close(): Promise<void> }> => {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0]
    if (request.method === "GET" && (path === "/health" || path === "/health/")) {
      const body = JSON.stringify(report())
      response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
      response.end(body)
      return
    }
    if (other !== undefined) {
      other(request, response)
      return
    }
    response.writeHead(404, { "content-type": "application/json" })
    response.end(JSON.stringify({ error: "not found", path }))
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen({ host, port }, () => {
      server.off("error", reject)
      resolve()
    })
  })
  const address = server.address()
  return {
    port: typeof address === "object" && address !== null ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
