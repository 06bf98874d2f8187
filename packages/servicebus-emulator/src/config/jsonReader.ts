import { ConfigError } from "./ConfigError.ts"
import { parseIsoDuration } from "./duration.ts"

/** Walks untyped JSON while remembering the path, so every refusal names the exact field. */
export interface JsonObject {
  readonly path: string
  readonly value: Readonly<Record<string, unknown>>
}

const describe = (value: unknown): string => {
  if (value === null) return "null"
  if (Array.isArray(value)) return "an array"
  if (typeof value === "string") return JSON.stringify(value)
  if (typeof value === "object") return "an object"
  return `${typeof value} ${String(value)}`
}

export const fail = (path: string, reason: string): never => {
  throw new ConfigError(path, reason)
}

export const asObject = (path: string, value: unknown): JsonObject => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail(path, `expected an object, got ${describe(value)}`)
  }
  return { path, value: value as Record<string, unknown> }
}

export const asArray = (path: string, value: unknown): ReadonlyArray<unknown> => {
  if (!Array.isArray(value)) return fail(path, `expected an array, got ${describe(value)}`)
  return value
}

/** Refuses keys this emulator does not know: a typo must not silently fall back to a default. */
export const onlyKeys = (object: JsonObject, allowed: ReadonlyArray<string>): void => {
  for (const key of Object.keys(object.value)) {
    if (!allowed.includes(key)) {
      fail(`${object.path}.${key}`, `unknown field; expected one of ${allowed.join(", ")}`)
    }
  }
}

export const field = (object: JsonObject, key: string): { readonly path: string; readonly value: unknown } => ({
  path: `${object.path}.${key}`,
  value: object.value[key],
})

export const requiredString = (object: JsonObject, key: string): string => {
  const { path, value } = field(object, key)
  if (typeof value !== "string" || value.trim() === "") {
    return fail(path, `expected a non-empty string, got ${value === undefined ? "nothing" : describe(value)}`)
  }
  return value
}

export const optionalString = (object: JsonObject, key: string): string | undefined => {
  const { path, value } = field(object, key)
  if (value === undefined || value === null) return undefined
  if (typeof value !== "string") return fail(path, `expected a string, got ${describe(value)}`)
  return value
}

/** The official Config.json uses "" for "not set" (ForwardTo, ForwardDeadLetteredMessagesTo). */
export const optionalEntityName = (object: JsonObject, key: string): string | undefined => {
  const value = optionalString(object, key)
  return value === undefined || value.trim() === "" ? undefined : value
}

export const optionalBoolean = (object: JsonObject, key: string, fallback: boolean): boolean => {
  const { path, value } = field(object, key)
  if (value === undefined) return fallback
  if (typeof value !== "boolean") return fail(path, `expected true or false, got ${describe(value)}`)
  return value
}

export const optionalInteger = (
  object: JsonObject,
  key: string,
  fallback: number,
  bounds: { readonly min: number; readonly max?: number },
): number => {
  const { path, value } = field(object, key)
  if (value === undefined) return fallback
  if (typeof value !== "number" || !Number.isInteger(value)) {
    return fail(path, `expected an integer, got ${describe(value)}`)
  }
  if (value < bounds.min) return fail(path, `must be at least ${bounds.min}, got ${value}`)
  if (bounds.max !== undefined && value > bounds.max) return fail(path, `must be at most ${bounds.max}, got ${value}`)
  return value
}

export const optionalDuration = (
  object: JsonObject,
  key: string,
  fallbackMs: number,
  bounds: { readonly maxMs?: number; readonly maxText?: string } = {},
): number => {
  const { path, value } = field(object, key)
  if (value === undefined) return fallbackMs
  if (typeof value !== "string") {
    return fail(path, `expected an ISO-8601 duration string such as "PT1M", got ${describe(value)}`)
  }
  const ms = parseIsoDuration(value)
  if (ms === undefined) {
    return fail(path, `expected an ISO-8601 duration such as "PT1M", "PT0.5S" or "P1DT2H", got ${describe(value)}`)
  }
  if (ms <= 0) return fail(path, `must be longer than zero, got ${describe(value)}`)
  if (bounds.maxMs !== undefined && ms > bounds.maxMs) {
    return fail(path, `must be at most ${bounds.maxText ?? `${bounds.maxMs} ms`}, got ${describe(value)}`)
  }
  return ms
}
