import { Config, Duration, Option } from "effect"

/**
 * A duration read from configuration: `NAME` in Effect's duration text (`"20 seconds"`, `"250 millis"`), or, where
 * `NAME` is not set, `NAME_MS` in whole milliseconds (the form these settings were documented in first). A value
 * that is set but malformed is an error naming its variable; only an absent one falls through.
 */
export const durationConfig = (name: string): Config.Config<Duration.Duration> =>
  Config.option(Config.Duration(name)).pipe(
    Config.flatMap(
      Option.match({
        onSome: (duration) => Config.succeed(duration),
        onNone: () => Config.Int(`${name}_MS`).pipe(Config.map(Duration.millis)),
      }),
    ),
  )
