/** An emulator configuration was refused; `path` names the offending field in the JSON document. */
export class ConfigError extends Error {
  override readonly name = "ConfigError"
  readonly path: string
  readonly reason: string

  constructor(path: string, reason: string, source?: string) {
    super(`Invalid emulator config${source === undefined ? "" : ` (${source})`} at ${path}: ${reason}`)
    this.path = path
    this.reason = reason
  }
}
