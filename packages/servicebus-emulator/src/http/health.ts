import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"

export interface HealthReport {
  readonly status: "healthy"
  readonly [key: string]: unknown
}

const sendJson = (response: ServerResponse, status: number, value: unknown): void => {
  const body = JSON.stringify(value)
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
  response.end(body)
}

/** Answers `GET /health` with the report and returns true; leaves every other request alone and returns false. */
export const serveHealth = (
  request: IncomingMessage,
  response: ServerResponse,
  report: () => HealthReport,
): boolean => {
  const path = (request.url ?? "/").split("?")[0]
  if (request.method !== "GET" || (path !== "/health" && path !== "/health/")) return false
  sendJson(response, 200, report())
  return true
}

export const notFound = (request: IncomingMessage, response: ServerResponse): void =>
  sendJson(response, 404, { error: "not found", path: (request.url ?? "/").split("?")[0] })

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
    if (serveHealth(request, response, report)) return
    if (other !== undefined) other(request, response)
    else notFound(request, response)
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
