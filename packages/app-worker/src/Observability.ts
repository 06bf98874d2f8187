import { Layer, Logger, type LogLevel, Option, References } from "effect"
import { FetchHttpClient } from "effect/http"
import { Otlp } from "effect/observability"

export interface ObservabilitySettings {
  readonly logLevel: LogLevel.LogLevel
  readonly logFormat: "json" | "pretty"
  readonly otlpEndpoint: Option.Option<string>
}

/**
 * JSON log lines (one object per line, with the annotations such as `messageId`) or pretty logs for a terminal, at
 * the configured level; traces, logs and metrics over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
 */
export const observabilityLayer = (settings: ObservabilitySettings) => {
  const logging = Layer.mergeAll(
    // Logger.consoleJson writes to standard output whatever LogToStderr says: build the JSON logger on console.error.
    Logger.layer([settings.logFormat === "json" ? Logger.withConsoleError(Logger.formatJson) : Logger.consolePretty()]),
    Layer.succeed(References.MinimumLogLevel)(settings.logLevel),
    // Standard output belongs to the commands' results (the demo summary, `dlq peek`); logs go to standard error.
    Layer.succeed(Logger.LogToStderr)(true),
  )
  if (Option.isNone(settings.otlpEndpoint)) return logging
  return Layer.mergeAll(
    logging,
    Otlp.layerJson({
      baseUrl: settings.otlpEndpoint.value,
      resource: { serviceName: "haymaker-worker" },
      loggerMergeWithExisting: true,
    }).pipe(Layer.provide(FetchHttpClient.layer)),
  )
}
