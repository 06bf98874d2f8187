import { Data, Runtime } from "effect"

/**
 * The worker's settings are invalid or incomplete. Lists every problem at once, so one edit of the environment fixes
 * them all; the process exits with code 2.
 */
export class WorkerConfigError extends Data.TaggedError("WorkerConfigError")<{
  readonly problems: ReadonlyArray<string>
}> {
  override readonly [Runtime.errorExitCode] = 2
  // The CLI prints the message itself; the runtime's own report would repeat it as a stack trace.
  override readonly [Runtime.errorReported] = false

  override get message(): string {
    return `Invalid worker configuration (${this.problems.length} problem${this.problems.length === 1 ? "" : "s"}):\n${this.problems.map((p) => `  - ${p}`).join("\n")}`
  }
}
