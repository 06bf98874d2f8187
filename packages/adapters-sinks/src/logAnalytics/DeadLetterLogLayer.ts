import { DeadLetterLog, LogAnalyticsSink } from "@haymaker/domain"
import { Context, Effect, Layer, type Scope } from "effect"

/** What a Log Analytics sink's `make` builds: the sink and, over the same client or folder, the dead-letter log. */
export type SinkWithDeadLetters = LogAnalyticsSink["Service"] & { readonly deadLetters: DeadLetterLog["Service"] }

/** Both ports from one `make`. */
export const sinkAndDeadLetterLog = <E, R>(
  make: Effect.Effect<SinkWithDeadLetters, E, R>,
): Layer.Layer<LogAnalyticsSink | DeadLetterLog, E, Exclude<R, Scope.Scope>> =>
  Layer.effectContext(
    Effect.map(make, ({ deadLetters, ...sink }) =>
      Context.make(LogAnalyticsSink, LogAnalyticsSink.of(sink)).pipe(Context.add(DeadLetterLog, deadLetters)),
    ),
  )
