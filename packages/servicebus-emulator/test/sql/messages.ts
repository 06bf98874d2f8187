import type { SqlMessage, SqlValue, SystemProperty } from "../../src/sql/index.ts"

/** An in-memory message for unit tests of the SQL language (the AMQP layer has its own implementation). */
export const sqlMessage = (
  user: Readonly<Record<string, SqlValue>>,
  system: Partial<Readonly<Record<SystemProperty, string>>> = {},
): SqlMessage => {
  const keys = Object.keys(user)
  const keyOf = (name: string): string | undefined =>
    keys.find((key) => key === name) ?? keys.find((key) => key.toLowerCase() === name.toLowerCase())
  return {
    userPropertyKey: keyOf,
    userProperty: (name) => {
      const key = keyOf(name)
      return key === undefined ? undefined : (user[key] as SqlValue)
    },
    systemProperty: (name) => system[name] ?? null,
  }
}
