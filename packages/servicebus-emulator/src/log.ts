/**
 * Structured JSON-lines logging. In-process the emulator is quiet unless asked (tests stay readable); the CLI logs
 * at "info". Secrets (keys, tokens) are never passed to the logger.
 */
export type LogLevel = "silent" | "error" | "warn" | "info" | "debug"

export const logLevels: ReadonlyArray<LogLevel> = ["silent", "error", "warn", "info", "debug"]

const rank: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 }

export type LogFields = Readonly<Record<string, unknown>>

export interface Logger {
  readonly level: LogLevel
  enabled(level: Exclude<LogLevel, "silent">): boolean
  error(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  debug(message: string, fields?: LogFields): void
  child(fields: LogFields): Logger
}

export interface LoggerOptions {
  readonly level: LogLevel
  /** Where each JSON line goes; standard error by default so standard output stays machine-readable. */
  readonly write?: (line: string) => void
}

const errorFields = (value: unknown): unknown =>
  value instanceof Error ? { name: value.name, message: value.message } : value

export const createLogger = (options: LoggerOptions, base: LogFields = {}): Logger => {
  const threshold = rank[options.level]
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`))
  const emit = (level: Exclude<LogLevel, "silent">, message: string, fields?: LogFields) => {
    if (rank[level] > threshold) return
    const record: Record<string, unknown> = { time: new Date().toISOString(), level, msg: message, ...base }
    if (fields !== undefined) for (const [key, value] of Object.entries(fields)) record[key] = errorFields(value)
    write(JSON.stringify(record))
  }
  return {
    level: options.level,
    enabled: (level) => rank[level] <= threshold,
    error: (message, fields) => emit("error", message, fields),
    warn: (message, fields) => emit("warn", message, fields),
    info: (message, fields) => emit("info", message, fields),
    debug: (message, fields) => emit("debug", message, fields),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  }
}

export const isLogLevel = (value: string): value is LogLevel => (logLevels as ReadonlyArray<string>).includes(value)
