import { Effect, Layer } from "effect"
import { Command } from "effect/cli"
import { loadWorkerConfig } from "../config/WorkerConfig.ts"
import { OpsServer } from "../http/OpsServer.ts"
import { observabilityLayer } from "../Observability.ts"
import { serveWorker } from "../serveWorker.ts"
import { startEndpoints } from "../WorkerLayers.ts"

/** `haymaker-worker run`: the orchestrator subscriber, until SIGTERM/SIGINT. */
export const runCommand = Command.make("run", {}, () =>
  Effect.gen(function* () {
    const config = yield* loadWorkerConfig(process.env)
    yield* Effect.scoped(
      Effect.gen(function* () {
        const endpoints = yield* startEndpoints(config, { localStack: "ifRunning" })
        yield* serveWorker(config, endpoints)
      }),
    ).pipe(
      // The ops port opens before the local peers start: a taken port fails at once.
      Effect.provide(OpsServer.layer({ host: config.httpHost, port: config.httpPort })),
      Effect.provide(Layer.fresh(observabilityLayer(config))),
    )
  }),
).pipe(
  Command.withDescription(
    "Subscribe, parse, dual-write to Log Analytics and Blob Storage, settle. Without Azure settings it starts local peers (emulator, Azurite, local Logs Ingestion server) and prints their connection strings.",
  ),
)
