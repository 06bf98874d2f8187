/** A Config.json field the emulator accepts (so the official emulator's files load) but does not act on. */
export interface ConfigWarning {
  /** JSON path of the field, as `ConfigError` names paths. */
  readonly path: string
  readonly message: string
}

type Json = Readonly<Record<string, unknown>>

const objectAt = (value: unknown): Json | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined

const arrayAt = (value: unknown): ReadonlyArray<unknown> => (Array.isArray(value) ? value : [])

const maxSizeWarning = (path: string): ConfigWarning => ({
  path,
  message: "accepted for compatibility only: the emulator does not enforce entity size quotas (MaxSizeInMegabytes)",
})

/**
 * The fields of an already validated Config.json that load but change nothing, each with the reason. Start-up logs
 * them as warnings, so nothing a user configures is silently ignored.
 */
export const compatibilityWarnings = (json: unknown): Array<ConfigWarning> => {
  const warnings: Array<ConfigWarning> = []
  const user = objectAt(objectAt(json)?.UserConfig)
  arrayAt(user?.Namespaces).forEach((rawNamespace, n) => {
    const namespace = objectAt(rawNamespace)
    for (const kind of ["Queues", "Topics"] as const) {
      arrayAt(namespace?.[kind]).forEach((rawEntity, i) => {
        const properties = objectAt(objectAt(rawEntity)?.Properties)
        if (properties?.MaxSizeInMegabytes !== undefined) {
          warnings.push(maxSizeWarning(`$.UserConfig.Namespaces[${n}].${kind}[${i}].Properties.MaxSizeInMegabytes`))
        }
      })
    }
  })
  const type = objectAt(user?.Logging)?.Type
  if (typeof type === "string" && type.toLowerCase().includes("file")) {
    warnings.push({
      path: "$.UserConfig.Logging.Type",
      message: `accepted for compatibility only: the emulator writes no log file ("${type}"); logs go to standard error or the logSink option`,
    })
  }
  return warnings
}
