import { Data, Predicate, Runtime } from "effect"

/**
 * The ops port could not be opened (most often: another process holds it). The operator's to fix, like a bad
 * setting: the CLI prints the message, which names the variables, and exits with code 2.
 */
export class OpsServerError extends Data.TaggedError("OpsServerError")<{
  readonly host: string
  readonly port: number
  readonly cause: unknown
}> {
  override readonly [Runtime.errorExitCode] = 2
  override readonly [Runtime.errorReported] = false

  override get message(): string {
    const why =
      Predicate.hasProperty(this.cause, "code") && this.cause.code === "EADDRINUSE"
        ? "the port is in use (EADDRINUSE): stop what holds it, or set HAYMAKER_HTTP_PORT to a free port (0 picks one)"
        : `${this.cause instanceof Error ? this.cause.message : String(this.cause)}; check HAYMAKER_HTTP_HOST and HAYMAKER_HTTP_PORT`
    return `HAYMAKER_HTTP_PORT: cannot serve /metrics, /healthz and /readyz on ${this.host}:${this.port}: ${why}`
  }
}
