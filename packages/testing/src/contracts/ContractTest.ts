import { randomBytes } from "node:crypto"
import { Cause, Duration, Effect, Exit, type Layer, type Scope } from "effect"
import { it } from "vitest"

/** What a contract hands the adapter's `makeLayer` for one test. */
export interface ContractContext {
  /**
   * A name no other test uses, valid as a Service Bus entity name, a blob container name and a run id (lower-case
   * letters, digits and single hyphens, at most 30 characters), so suites can share one peer.
   */
  readonly uniqueName: string
}

let counter = 0

const uniqueName = (): string => `contract-${randomBytes(4).toString("hex")}-${++counter}`

/** Default bound on every wait of a contract test (receiving, polling a probe). */
export const DEFAULT_CONTRACT_WAIT: Duration.Input = "10 seconds"

/**
 * Registers one contract test: builds the adapter's layer for a fresh context, runs the body with the live clock
 * (the peers are real) and rethrows its failure as is, so assertion diffs show in the report.
 *
 * Plain `vitest` rather than `@effect/vitest`: the adapter package running the suite resolves `vitest` to its own
 * runner, which is the one that must collect these tests.
 */
export const contractTest = <R, E>(
  name: string,
  makeLayer: (context: ContractContext) => Layer.Layer<R, E>,
  body: (context: ContractContext) => Effect.Effect<void, unknown, R | Scope.Scope>,
  wait: Duration.Input,
): void => {
  // Each test waits a few times at most; the runner's own timeout only catches a suite that hangs outright.
  const timeoutMs = Duration.toMillis(wait) * 4 + 10_000
  it(
    name,
    async () => {
      const context = { uniqueName: uniqueName() }
      const exit = await Effect.runPromiseExit(Effect.scoped(body(context)).pipe(Effect.provide(makeLayer(context))))
      if (Exit.isFailure(exit)) throw Cause.squash(exit.cause)
    },
    timeoutMs,
  )
}
