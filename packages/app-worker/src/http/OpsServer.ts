import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"
import { PrometheusMetrics } from "effect/observability"
import { sampleProcessMemory } from "../metrics/WorkerMetrics.ts"

/** Readiness as the worker sees it: ready while it receives, not while it starts, drains or waits out an outage. */
export interface Readiness {
  readonly ready: boolean
  /** Why not, shown in the body of `/readyz`. */
  readonly reason?: string
}

export interface OpsServer {
  readonly port: number
  readonly url: string
}

/**
 * `/metrics` (Prometheus text format), `/healthz` (the process answers) and `/readyz` (the worker is receiving; 503
 * with the reason when not: starting, stopping, the broker unreachable, a sink unavailable), on
 * a plain HTTP port for probes and scrapers. Closed with the surrounding scope.
 */
export const startOpsServer = Effect.fn("OpsServer.start")(function* (
  host: string,
  port: number,
  readiness: Readiness,
) {
  const context = yield* Effect.context<never>()
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0]
    if (request.method !== "GET") {
      response.writeHead(405, { allow: "GET" }).end()
    } else if (path === "/metrics") {
      Effect.runSyncWith(context)(sampleProcessMemory)
      response
        .writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" })
        .end(PrometheusMetrics.formatUnsafe(context))
    } else if (path === "/healthz") {
      response.writeHead(200, { "content-type": "text/plain" }).end("ok\n")
    } else if (path === "/readyz") {
      response
        .writeHead(readiness.ready ? 200 : 503, { "content-type": "text/plain" })
        .end(readiness.ready ? "ready\n" : `not ready: ${readiness.reason ?? "starting"}\n`)
    } else {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n")
    }
  })
  yield* Effect.acquireRelease(
    Effect.callback<void, Error>((resume) => {
      server.once("error", (error) => resume(Effect.fail(error)))
      server.listen(port, host, () => resume(Effect.void))
    }),
    () =>
      Effect.callback<void>((resume) => {
        server.close(() => resume(Effect.void))
        server.closeAllConnections()
      }),
  )
  const address = server.address() as AddressInfo
  const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host
  return { port: address.port, url: `http://${shownHost}:${address.port}` } satisfies OpsServer
})
