import { createServer, type Server } from "node:http"

export interface HealthReport {
  readonly status: "healthy"
  readonly [key: string]: unknown
}

/** `GET /health` answers 200 with a JSON report; anything else is 404. */
export const startHealthServer = async (
  host: string,
  port: number,
  report: () => HealthReport,
): Promise<{ readonly port: number; close(): Promise<void> }> => {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0]
    if (request.method === "GET" && (path === "/health" || path === "/health/")) {
      const body = JSON.stringify(report())
      response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
      response.end(body)
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
