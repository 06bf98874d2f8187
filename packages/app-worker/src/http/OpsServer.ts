import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Layer, Ref, Result } from "effect"
import { HttpRouter, HttpServer, HttpServerResponse } from "effect/http"
import { NetAddress } from "effect/net"
import { PrometheusMetrics } from "effect/observability"
import { registerWorkerMetrics } from "../metrics/WorkerMetrics.ts"
import { deadLetterReasons } from "../pipeline/deadLetterReasons.ts"
import { startingState, type WorkerState } from "../pipeline/Worker.ts"
import { OpsServerError } from "./OpsServerError.ts"

export interface OpsServerOptions {
  /** `HAYMAKER_HTTP_HOST`. */
  readonly host: string
  /** `HAYMAKER_HTTP_PORT`; 0 picks a free port. */
  readonly port: number
}

const text = (body: string, status = 200) => HttpServerResponse.text(body, { status })

const routes = (readiness: Ref.Ref<WorkerState>) =>
  Layer.mergeAll(
    PrometheusMetrics.layerHttp({ path: "/metrics" }),
    HttpRouter.add("GET", "/healthz", text("ok\n")),
    HttpRouter.add(
      "GET",
      "/readyz",
      Effect.map(Ref.get(readiness), (state) =>
        state.ready ? text("ready\n") : text(`not ready: ${state.reason}\n`, 503),
      ),
    ),
  )

/** Where a prober on this machine reaches the server: the loopback address when it listens on every interface. */
const localUrl = (address: NetAddress.SocketAddress): string => {
  const url = NetAddress.isUnixPathAddress(address) ? undefined : Result.getOrUndefined(NetAddress.toUrl(address))
  if (url === undefined || NetAddress.isUnixPathAddress(address)) return HttpServer.formatAddress(address)
  if (NetAddress.isUnspecified(address.address)) url.hostname = NetAddress.formatIp(NetAddress.ipv4Loopback)
  return url.origin
}

/**
 * The worker's operations port: `/metrics` (Prometheus text), `/healthz` (the process answers) and `/readyz` (the
 * worker is receiving; 503 with the reason when not: starting, stopping, the broker unreachable, a sink unavailable).
 *
 * Its layer opens the port first, so that a taken port fails at once, naming `HAYMAKER_HTTP_PORT`, before any local
 * peer starts. Every `haymaker_*` series exists, at 0, from then on. The worker reports its readiness to `readiness`;
 * `/readyz` and the `haymaker_ready` gauge both read it. Closed with the layer's scope, after the worker drained.
 */
export class OpsServer extends Context.Service<
  OpsServer,
  {
    /** `http://127.0.0.1:<port>` (or the host it listens on). */
    readonly url: string
    /** What `/readyz` answers; the worker sets it. */
    readonly readiness: Ref.Ref<WorkerState>
  }
>()("@haymaker/app-worker/OpsServer") {
  static readonly layer = (options: OpsServerOptions): Layer.Layer<OpsServer, OpsServerError> =>
    Layer.effect(
      OpsServer,
      Effect.gen(function* () {
        const readiness = yield* Ref.make(startingState)
        yield* registerWorkerMetrics({ deadLetterReasons, isReady: () => Ref.getUnsafe(readiness).ready })
        const server = yield* HttpRouter.serve(routes(readiness), { disableLogger: true, disableListenLog: true }).pipe(
          Layer.provideMerge(NodeHttpServer.layerServer(createServer, { host: options.host, port: options.port })),
          Layer.build,
          Effect.map(Context.get(HttpServer.HttpServer)),
          Effect.mapError(
            (error) => new OpsServerError({ host: options.host, port: options.port, cause: error.cause }),
          ),
        )
        const url = localUrl(server.address)
        yield* Effect.logInfo(`metrics and probes on ${url}/metrics, /healthz, /readyz`)
        return { url, readiness }
      }),
    )
}
