import { formatIsoDuration, parseIsoDuration } from "../config/duration.ts"
import type { EchoedProperties } from "../config/EmulatorConfig.ts"
import { badRequest } from "./ManagementError.ts"
import { childElement, type XmlElement } from "./xml.ts"

/** .NET's TimeSpan.MaxValue, Azure's "never" for time to live and auto-delete-on-idle. */
export const maxTimeSpanText = "P10675199DT2H48M5.4775807S"
const maxTimeSpanMs = 10675199 * 86_400_000

/** A duration element: "never" (TimeSpan.MaxValue, or anything that long) is infinity. */
export const durationMs = (text: string): number | undefined => {
  const ms = parseIsoDuration(text)
  if (ms === undefined) return undefined
  return ms >= maxTimeSpanMs ? Number.POSITIVE_INFINITY : ms
}

export const durationText = (ms: number): string => (Number.isFinite(ms) ? formatIsoDuration(ms) : maxTimeSpanText)

/**
 * Reads the fields of a QueueDescription, TopicDescription or SubscriptionDescription. A missing element takes the
 * given default (Azure replaces a whole description on update, so an update omitting a field resets it); a malformed
 * one is refused with 400 naming the element.
 */
export class DescriptionReader {
  readonly element: XmlElement

  constructor(element: XmlElement) {
    this.element = element
  }

  text(name: string): string | undefined {
    const child = childElement(this.element, name)
    if (child === undefined || child.attributes.nil === "true") return undefined
    return child.text
  }

  boolean(name: string, fallback: boolean): boolean {
    const text = this.text(name)
    if (text === undefined || text === "") return fallback
    const lower = text.toLowerCase()
    if (lower === "true") return true
    if (lower === "false") return false
    return this.refuse(name, `expected true or false, got ${JSON.stringify(text)}`)
  }

  integer(name: string, fallback: number, bounds: { readonly min: number; readonly max?: number }): number {
    const text = this.text(name)
    if (text === undefined || text === "") return fallback
    const value = Number(text)
    if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value)) {
      return this.refuse(name, `expected an integer, got ${JSON.stringify(text)}`)
    }
    if (value < bounds.min) return this.refuse(name, `must be at least ${bounds.min}, got ${value}`)
    if (bounds.max !== undefined && value > bounds.max) {
      return this.refuse(name, `must be at most ${bounds.max}, got ${value}`)
    }
    return value
  }

  duration(name: string, fallback: number, bounds: { readonly maxMs?: number } = {}): number {
    const text = this.text(name)
    if (text === undefined || text === "") return fallback
    const ms = durationMs(text)
    if (ms === undefined || ms <= 0) {
      return this.refuse(name, `expected a positive ISO-8601 duration such as "PT1M", got ${JSON.stringify(text)}`)
    }
    if (bounds.maxMs !== undefined && ms > bounds.maxMs) {
      return this.refuse(name, `must be at most ${durationText(bounds.maxMs)}, got ${JSON.stringify(text)}`)
    }
    return ms
  }

  /** Elements stored and reported back as sent (validated when a check is given). */
  echoed(checks: Readonly<Record<string, ((text: string) => string | undefined) | undefined>>): EchoedProperties {
    const echoed: Record<string, string> = {}
    for (const [name, check] of Object.entries(checks)) {
      const text = this.text(name)
      if (text === undefined || text === "") continue
      const problem = check?.(text)
      if (problem !== undefined) this.refuse(name, problem)
      echoed[name] = text
    }
    return echoed
  }

  refuse(name: string, reason: string): never {
    throw badRequest(`Invalid ${this.element.name}: <${name}> ${reason}.`)
  }
}

export const booleanCheck = (text: string): string | undefined =>
  /^(true|false)$/i.test(text) ? undefined : `expected true or false, got ${JSON.stringify(text)}`

export const durationCheck = (text: string): string | undefined =>
  durationMs(text) === undefined ? `expected an ISO-8601 duration, got ${JSON.stringify(text)}` : undefined

export const lengthCheck =
  (max: number) =>
  (text: string): string | undefined =>
    text.length > max ? `is at most ${max} characters, got ${text.length}` : undefined
