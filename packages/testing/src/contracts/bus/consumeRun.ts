import {
  type AgentEvent,
  decodeMessageBody,
  EventSubscription,
  type ReceivedMessage,
  type SettlementError,
} from "@haymaker/domain"
import { Duration, Effect, Result, Stream } from "effect"
import { runIdOf } from "../../fixtures/agentEvent.ts"

/** A message of the test's own run, as the contract saw it. */
export interface Observed {
  readonly message: ReceivedMessage
  readonly event: AgentEvent
}

export interface ConsumeOptions {
  /** The run id of the test's events; messages of other runs are leftovers of earlier tests. */
  readonly runId: string
  /** Settles (or not) one message of the run; `seen` already includes it. */
  readonly handle: (observed: Observed, seen: ReadonlyArray<Observed>) => Effect.Effect<void, SettlementError>
  /** Whether the messages seen so far are all the test waits for. */
  readonly done: (seen: ReadonlyArray<Observed>) => boolean
  /** What the test waits for, for the message when it does not come. */
  readonly waitingFor: string
  readonly wait: Duration.Input
}

const describeSeen = (seen: ReadonlyArray<Observed>): string =>
  seen.length === 0
    ? "none"
    : seen
        .map(({ message, event }) => {
          const name = "resourceName" in event ? event.resourceName : event._tag
          return `${name} (id ${message.messageId}, delivery count ${message.deliveryCount})`
        })
        .join(", ")

/**
 * Runs the subscription until `done`, settling every message inside the run as a worker does (a receiver may release
 * what is still unsettled when its run ends). Messages of other runs are completed and ignored, so a suite can share
 * one subscription with leftovers. Fails with a descriptive error when `done` is not reached within `wait`.
 */
export const consumeRun = (options: ConsumeOptions) =>
  Effect.gen(function* () {
    const subscription = yield* EventSubscription
    const seen: Array<Observed> = []
    if (options.done(seen)) return seen
    yield* subscription.messages.pipe(
      Stream.mapEffect((message) =>
        Effect.gen(function* () {
          const decoded = decodeMessageBody(message.body)
          if (Result.isFailure(decoded) || runIdOf(decoded.success) !== options.runId) {
            yield* Effect.ignore(message.complete)
            return false
          }
          const observed = { message, event: decoded.success }
          seen.push(observed)
          yield* options.handle(observed, seen)
          return options.done(seen)
        }),
      ),
      Stream.takeUntil((finished) => finished),
      Stream.runDrain,
      Effect.timeout(options.wait),
      Effect.catchTag("TimeoutError", () =>
        Effect.die(
          new Error(
            `Waited ${Duration.toMillis(options.wait)} ms for ${options.waitingFor}; received from this test's run: ${describeSeen(seen)}`,
          ),
        ),
      ),
    )
    return seen
  })
