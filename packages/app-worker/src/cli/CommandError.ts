import { Data, Runtime } from "effect"

/**
 * A command could not do its work for a reason the operator can act on (the local stack is not running, the broker
 * cannot be reached): the CLI prints the message alone, without a stack trace, and exits with code 1.
 */
export class CommandError extends Data.TaggedError("CommandError")<{ readonly message: string }> {
  override readonly [Runtime.errorExitCode] = 1
  override readonly [Runtime.errorReported] = false
}
