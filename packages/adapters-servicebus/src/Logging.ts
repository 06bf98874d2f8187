import { Effect } from "effect"

/** The logger name every adapter log line carries (annotation `logger`), matching the seed's module logger. */
export const loggerName = "haymaker.event_bus"

/** Tags the logs of an effect with the adapter's logger name. */
export const withEventBusLogger = Effect.annotateLogs({ logger: loggerName })
