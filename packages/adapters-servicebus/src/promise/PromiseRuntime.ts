import { Effect, type LogLevel, References } from "effect"

let minimumLevel: LogLevel.LogLevel = "Info"

/**
 * Sets the level of the Promise API's logs (logger `haymaker.event_bus`); `"Debug"` shows the seed's debug lines:
 * published and received event types, settlement outcomes, parse results and errors. Effect users control the
 * level with `References.MinimumLogLevel` instead.
 */
export const setEventBusLogLevel = (level: LogLevel.LogLevel): void => {
  minimumLevel = level
}

export const getEventBusLogLevel = (): LogLevel.LogLevel => minimumLevel

/** Runs an adapter effect for a Promise caller: a failure rejects with the typed error itself. */
export const runForCaller = <A, E>(effect: Effect.Effect<A, E>, signal?: AbortSignal): Promise<A> =>
  Effect.runPromise(
    effect.pipe(Effect.provideService(References.MinimumLogLevel, minimumLevel)),
    signal === undefined ? undefined : { signal },
  )

/** Gives an effect the Promise API's log level (what `setEventBusLogLevel` set). */
export const provideCallerLogLevel = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.provideService(effect, References.MinimumLogLevel, minimumLevel)
