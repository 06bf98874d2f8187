import { Context, Effect, LogLevel, References } from "effect"

/** The logger name every adapter log line carries (annotation `logger`), matching the seed's module logger. */
export const loggerName = "haymaker.event_bus"

/** Tags the logs of an effect with the adapter's logger name. */
export const withEventBusLogger = Effect.annotateLogs({ logger: loggerName })

/** Writes a debug line from plain JavaScript (an SDK callback), in the services it was made in. */
export type DebugLog = (line: string) => void

/**
 * A debug line writer for hot paths, or `undefined` when the current minimum log level drops debug lines: callers
 * test it before building a line, so a message costs no string and no fiber when nobody reads them.
 */
export const makeDebugLog: Effect.Effect<DebugLog | undefined> = Effect.contextWith((services) =>
  Effect.succeed(
    LogLevel.isGreaterThanOrEqualTo("Debug", Context.get(services, References.MinimumLogLevel))
      ? (line: string) => {
          Effect.runForkWith(services)(withEventBusLogger(Effect.logDebug(line)))
        }
      : undefined,
  ),
)
