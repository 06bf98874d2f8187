import { readFileSync } from "node:fs"
import { NodeRuntime } from "@effect/platform-node"
import { connectionString } from "@haymaker/adapters-servicebus"
import { redactedConnectionString } from "@haymaker/adapters-sinks"
import { staticTokenCredential } from "@haymaker/local-stack"
import { Duration, Effect, Layer, References } from "effect"
import { loadWorkerConfig } from "../../../src/config/WorkerConfig.ts"
import { OpsServer } from "../../../src/http/OpsServer.ts"
import { observabilityLayer } from "../../../src/Observability.ts"
import { serveWorker } from "../../../src/serveWorker.ts"
import type { Endpoints } from "../../../src/WorkerLayers.ts"

/**
 * `haymaker-worker run` against peers a test started elsewhere: the same configuration, layers and service, in a
 * process of its own (so the test can kill it), except that the Log Analytics sink is given the local server's
 * certificate and token, which DefaultAzureCredential cannot supply. Besides the worker's own variables it reads
 * MATRIX_LOGS_ENDPOINT, MATRIX_LOGS_CA_FILE, MATRIX_LOGS_RULE_ID, MATRIX_BLOB_CONNECTION_STRING and
 * MATRIX_ARCHIVE_CONTAINER.
 */
const env = (name: string): string => {
  const value = process.env[name]
  if (value === undefined || value === "") throw new Error(`matrixWorker: ${name} is not set`)
  return value
}

const program = Effect.gen(function* () {
  // The sinks below replace whatever the configuration chose; "filesystem" only satisfies its check.
  const config = yield* loadWorkerConfig({ ...process.env, HAYMAKER_SINKS: "filesystem" })
  const endpoints: Endpoints = {
    serviceBus: connectionString(env("HAYMAKER_SERVICEBUS_CONNECTION_STRING")),
    sinks: {
      _tag: "Ingestion",
      logAnalytics: {
        endpoint: env("MATRIX_LOGS_ENDPOINT"),
        dataCollectionRuleId: env("MATRIX_LOGS_RULE_ID"),
        credential: staticTokenCredential(),
        trustedCa: readFileSync(env("MATRIX_LOGS_CA_FILE"), "utf8"),
        maxRetries: 1,
        retryDelay: Duration.millis(200),
        maxRetryDelay: Duration.seconds(1),
      },
      archive: {
        connectionString: redactedConnectionString(env("MATRIX_BLOB_CONNECTION_STRING")),
        container: env("MATRIX_ARCHIVE_CONTAINER"),
        maxTries: 2,
        retryDelay: Duration.millis(200),
        maxRetryDelay: Duration.seconds(1),
      },
    },
    localBus: undefined,
    localSinks: undefined,
  }
  yield* Effect.scoped(serveWorker(config, endpoints)).pipe(
    Effect.provide(OpsServer.layer({ host: config.httpHost, port: config.httpPort })),
    Effect.provide(Layer.fresh(observabilityLayer(config))),
  )
})

program.pipe(Effect.provideService(References.LogToStderr, true), NodeRuntime.runMain)
