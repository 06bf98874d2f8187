import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Redacted, Runtime } from "effect"
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
      expect(config.profile).toEqual({ _tag: "Local" })
      expect(config.topic).toBe("agent-logs")
      expect(config.subscription).toBe("orchestrator-sub")
      expect(config.batchSize).toBe(100)
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
      expect(config.profile._tag).toBe("Azure")
      if (config.profile._tag !== "Azure") return
      expect(config.profile.serviceBus._tag).toBe("ConnectionString")
      if (config.profile.serviceBus._tag === "ConnectionString") {
        expect(Redacted.value(config.profile.serviceBus.connectionString)).toBe(secret)
        expect(String(config.profile.serviceBus.connectionString)).not.toContain("s3cr3t")
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
      expect(text).toContain("HAYMAKER_SERVICEBUS_CONNECTION_STRING or HAYMAKER_SERVICEBUS_NAMESPACE")
      expect(text).toContain("HAYMAKER_LOGS_DCR_IMMUTABLE_ID: missing")
      expect(text).toContain("HAYMAKER_ARCHIVE_CONNECTION_STRING")
      expect(error.problems.length).toBeGreaterThanOrEqual(7)
      expect(Runtime.getErrorExitCode(error)).toBe(2)
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
})
