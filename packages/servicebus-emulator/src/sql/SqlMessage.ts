import type { SqlValue } from "./SqlValue.ts"
import type { SystemProperty } from "./systemProperties.ts"

/** A message as filters and actions see it; the protocol layer implements it over the stored message. */
export interface SqlMessage {
  /** An application ("user") property: `undefined` when the message has none of that name, `null` for a NULL value. */
  userProperty(name: string): SqlValue | undefined
  /**
   * The name under which the message holds the application property `name`. Property names are case-insensitive
   * (the documentation's "Considerations"): an exact match wins, otherwise the first case-insensitive one.
   */
  userPropertyKey(name: string): string | undefined
  /** A broker property; `null` when the message does not set it. */
  systemProperty(name: SystemProperty): string | null
}

/** What a rule action changes on the copy that enters the subscription. */
export interface PropertyEdits {
  /** Application properties by the key the copy holds them under; `undefined` removes the property. */
  readonly user: ReadonlyMap<string, SqlValue | undefined>
  /** Broker properties; `null` removes (unsets) the property. */
  readonly system: ReadonlyMap<SystemProperty, string | null>
}
