import { Cause, Exit, Layer, type LogLevel, References } from "effect"

/** What every Promise API entry point takes besides its own options. */
export interface CallerOptions {
  /**
   * The minimum level of this client's (or call's) logs, logger `haymaker.event_bus`. Default `"Info"`; `"Debug"`
   * shows the seed's debug lines: published and received event types, settlement outcomes, parse results and errors.
   */
  readonly logLevel?: LogLevel.LogLevel
}

/** The caller's log level, for the services of a Promise API runtime. */
export const callerLogLevel = (options: CallerOptions): Layer.Layer<never> =>
  Layer.succeed(References.MinimumLogLevel)(options.logLevel ?? "Info")

/** The value of a successful exit; a failure is thrown as the typed error itself, as Promise callers expect. */
export const valueOrThrow = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isFailure(exit)) throw Cause.squash(exit.cause)
  return exit.value
}
