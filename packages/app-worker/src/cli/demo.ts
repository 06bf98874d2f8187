import { Console, Duration, Effect, Layer } from "effect"
import { Command, Flag } from "effect/cli"
import { loadWorkerConfig } from "../config/WorkerConfig.ts"
import { OpsServer } from "../http/OpsServer.ts"
import { observabilityLayer } from "../Observability.ts"

/** `haymaker-worker demo`: the whole pipeline on the local profile, with a summary. */
export const demoCommand = Command.make(
  "demo",
  {
    events: Flag.Int("events").pipe(
      Flag.withDescription("How many generated events to publish besides the seed's samples"),
      Flag.withDefault(1_000),
    ),
    output: Flag.String("output").pipe(
      Flag.withDescription("Folder for copies of what landed in the sinks and the dead-letter queue"),
      Flag.withDefault(".haymaker/demo"),
    ),
    timeoutSeconds: Flag.Int("timeout").pipe(
      Flag.withDescription("Give up waiting for settlement after this many seconds"),
      Flag.withDefault(120),
    ),
  },
  ({ events, output, timeoutSeconds }) =>
    Effect.gen(function* () {
      const loaded = yield* loadWorkerConfig(process.env)
      // The demo always runs locally, on ephemeral ports, quietly unless asked otherwise: on the local peers, or
      // with HAYMAKER_SINKS=filesystem on files that stay (for `haymaker-worker report`).
      const config = {
        ...loaded,
        bus: { _tag: "LocalEmulator" } as const,
        sinks: loaded.sinks._tag === "Filesystem" ? loaded.sinks : ({ _tag: "LocalPeers" } as const),
        httpHost: "127.0.0.1",
        httpPort: 0,
        batchWait: Duration.min(loaded.batchWait, Duration.millis(50)),
        logLevel: process.env.HAYMAKER_LOG_LEVEL === undefined ? ("Warn" as const) : loaded.logLevel,
        logFormat: process.env.HAYMAKER_LOG_FORMAT === undefined ? ("pretty" as const) : loaded.logFormat,
      }
      yield* Console.log(`Starting the local stack and publishing ${events} generated events plus the seed's samples…`)
      // Loaded on demand: the demo brings the storage SDK and the generators, which `run` does not need.
      const { runDemo } = yield* Effect.promise(() => import("../demo/runDemo.ts"))
      const summary = yield* Effect.scoped(
        runDemo(config, { generatedEvents: events, outputDir: output, timeoutMs: timeoutSeconds * 1000 }),
      ).pipe(
        Effect.provide(OpsServer.layer({ host: config.httpHost, port: config.httpPort })),
        Effect.provide(Layer.fresh(observabilityLayer(config))),
      )
      yield* Console.log(summary)
    }),
).pipe(
  Command.withDescription(
    "Run the worker on the local profile, publish the seed's sample events and a burst of generated ones through the SDK, wait until all are settled and print a summary",
  ),
)
