import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Option, Redacted, Runtime } from "effect"
import { loadWorkerConfig } from "../src/config/WorkerConfig.ts"
import { WorkerConfigError } from "../src/config/WorkerConfigError.ts"

const failure = (env: Record<string, string>) =>
  loadWorkerConfig(env).pipe(
    Effect.flip,
    Effect.map((error) => {
      expect(error).toBeInstanceOf(WorkerConfigError)
      return error
    }),
  )

describe("loadWorkerConfig", () => {
  it.effect("an empty environment selects the local profile with the documented defaults", () =>
    Effect.gen(function* () {
      const config = yield* loadWorkerConfig({})
      expect(config.bus).toEqual({ _tag: "LocalEmulator" })
      expect(config.sinks).toEqual({ _tag: "LocalPeers" })
      expect(config.topic).toBe("agent-logs")
      expect(config.subscription).toBe("orchestrator-sub")
      expect(config.batchSize).toBe(500)
      expect(config.concurrency).toBe(1_000)
      expect(config.invalidMessages).toBe("dead-letter")
      expect(config.httpPort).toBe(8080)
      expect(Option.isNone(config.otlpEndpoint)).toBe(true)
    }),
  )

  it.effect("a complete Azure environment selects the Azure profile and keeps the secrets redacted", () =>
    Effect.gen(function* () {
      const secret = "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=s3cr3t"
      const config = yield* loadWorkerConfig({
        HAYMAKER_SERVICEBUS_CONNECTION_STRING: secret,
        HAYMAKER_LOGS_INGESTION_ENDPOINT: "https://dce.westeurope-1.ingest.monitor.azure.com",
        HAYMAKER_LOGS_DCR_IMMUTABLE_ID: "dcr-0123456789abcdef0123456789abcdef",
        HAYMAKER_ARCHIVE_ACCOUNT_URL: "https://haymaker.blob.core.windows.net",
        HAYMAKER_WORKER_BATCH_SIZE: "250",
      })
      expect(config.sinks._tag).toBe("Azure")
      expect(config.bus._tag).toBe("ConnectionString")
      if (config.bus._tag === "ConnectionString") {
        expect(Redacted.value(config.bus.connectionString)).toBe(secret)
        expect(String(config.bus.connectionString)).not.toContain("s3cr3t")
      }
      expect(JSON.stringify(config)).not.toContain("s3cr3t")
      expect(config.batchSize).toBe(250)
    }),
  )

  it.effect("lists every problem at once, naming each variable, and exits with code 2", () =>
    Effect.gen(function* () {
      const error = yield* failure({
        HAYMAKER_LOGS_INGESTION_ENDPOINT: "http://not-https.example",
        HAYMAKER_WORKER_BATCH_SIZE: "0",
        HAYMAKER_WORKER_CONCURRENCY: "many",
        HAYMAKER_INVALID_MESSAGES: "drop",
        HAYMAKER_HTTP_PORT: "70000",
      })
      const text = error.message
      expect(text).toContain("HAYMAKER_WORKER_BATCH_SIZE: must be between 1 and 1000, got 0")
      expect(text).toContain("HAYMAKER_WORKER_CONCURRENCY")
      expect(text).toContain("HAYMAKER_INVALID_MESSAGES")
      expect(text).toContain("HAYMAKER_HTTP_PORT: expected a value between 1 and 65535")
      expect(text).toContain("HAYMAKER_LOGS_DCR_IMMUTABLE_ID: missing")
      expect(text).toContain("HAYMAKER_ARCHIVE_CONNECTION_STRING")
      expect(error.problems).toHaveLength(6)
      expect(Runtime.getErrorExitCode(error)).toBe(2)
    }),
  )

  it.effect("durations are Durations: `NAME` as duration text, or the documented `NAME_MS` in milliseconds", () =>
    Effect.gen(function* () {
      const defaults = yield* loadWorkerConfig({})
      expect(Duration.toMillis(defaults.sinkRetryBudget)).toBe(20_000)
      expect(Duration.toMillis(defaults.batchWait)).toBe(200)
      const text = yield* loadWorkerConfig({
        HAYMAKER_SINK_RETRY_BUDGET: "5 seconds",
        HAYMAKER_WORKER_BATCH_WAIT: "50 millis",
        HAYMAKER_SHUTDOWN_TIMEOUT: "2 minutes",
      })
      const millis = yield* loadWorkerConfig({
        HAYMAKER_SINK_RETRY_BUDGET_MS: "5000",
        HAYMAKER_WORKER_BATCH_WAIT_MS: "50",
        HAYMAKER_SHUTDOWN_TIMEOUT_MS: "120000",
      })
      for (const config of [text, millis]) {
        expect(Duration.toMillis(config.sinkRetryBudget)).toBe(5_000)
        expect(Duration.toMillis(config.batchWait)).toBe(50)
        expect(Duration.toMillis(config.shutdownTimeout)).toBe(120_000)
      }
      // The duration text wins over the milliseconds where both are set.
      const both = yield* loadWorkerConfig({
        HAYMAKER_SINK_RETRY_BUDGET: "1 second",
        HAYMAKER_SINK_RETRY_BUDGET_MS: "9",
      })
      expect(Duration.toMillis(both.sinkRetryBudget)).toBe(1_000)
      expect((yield* loadWorkerConfig({ HAYMAKER_HTTP_PORT: "0" })).httpPort).toBe(0)
      const error = yield* failure({
        HAYMAKER_SINK_RETRY_BUDGET: "an hour or so",
        HAYMAKER_SHUTDOWN_TIMEOUT_MS: "soon",
        HAYMAKER_RECOVERY_MAX_DELAY: "2 hours",
      })
      expect(error.problems).toEqual([
        "HAYMAKER_SINK_RETRY_BUDGET: expected a valid Duration string",
        "HAYMAKER_RECOVERY_MAX_DELAY: must be between 10ms and 1h, got 2h",
        "HAYMAKER_SHUTDOWN_TIMEOUT_MS: expected a string representing a finite number",
      ])
    }),
  )

  it.effect("an Azure Service Bus needs sinks: Azure ones, or the filesystem when asked for", () =>
    Effect.gen(function* () {
      const bus = { HAYMAKER_SERVICEBUS_NAMESPACE: "haymaker.servicebus.windows.net" }
      const error = yield* failure(bus)
      expect(error.problems).toHaveLength(1)
      expect(error.message).toContain("the sinks are required with an Azure Service Bus")
      const config = yield* loadWorkerConfig({
        ...bus,
        HAYMAKER_SINKS: "filesystem",
        HAYMAKER_LOCAL_SINK_DIR: "/tmp/x",
      })
      expect(config.bus).toEqual({ _tag: "Namespace", fullyQualifiedNamespace: "haymaker.servicebus.windows.net" })
      expect(config.sinks).toEqual({ _tag: "Filesystem", directory: "/tmp/x" })
    }),
  )

  it.effect("refuses a connection string and a namespace together without echoing the secret", () =>
    Effect.gen(function* () {
      const error = yield* failure({
        HAYMAKER_SERVICEBUS_CONNECTION_STRING: "Endpoint=sb://x/;SharedAccessKeyName=k;SharedAccessKey=topsecret",
        HAYMAKER_SERVICEBUS_NAMESPACE: "x.servicebus.windows.net",
      })
      expect(error.message).toContain("both set")
      expect(error.message).not.toContain("topsecret")
    }),
  )

  it.effect(".env.example documents the defaults: its values load, and equal an empty environment's", () =>
    Effect.gen(function* () {
      const text = readFileSync(new URL("../.env.example", import.meta.url), "utf8")
      const env = Object.fromEntries(
        text
          .split("\n")
          .filter((line) => /^[A-Z_]+=/.test(line))
          .map((line) => {
            const [name = "", value = ""] = line.split("=", 2)
            return [name, value.replace(/\s+#.*$/, "").trim()]
          }),
      )
      expect(Object.keys(env).length).toBeGreaterThan(10)
      expect(yield* loadWorkerConfig(env)).toEqual(yield* loadWorkerConfig({}))
    }),
  )
})
