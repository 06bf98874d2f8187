/** Column types a data collection rule's `streamDeclarations` may use. */
export type StreamColumnType = "string" | "int" | "long" | "real" | "boolean" | "datetime" | "dynamic"

export interface StreamColumn {
  readonly name: string
  readonly type: StreamColumnType
}

/** The DCR `streamDeclarations` shape: `{ "Custom-X": { columns: [{ name, type }] } }`. */
export type StreamDeclarations = Readonly<Record<string, { readonly columns: ReadonlyArray<StreamColumn> }>>

/** A data collection rule as the server knows it: its immutable id and the streams it declares. */
export interface DataCollectionRuleDeclaration {
  readonly immutableId: string
  readonly streamDeclarations: StreamDeclarations
}

const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/
const INT32_MIN = -(2 ** 31)
const INT32_MAX = 2 ** 31 - 1

const matchesType = (type: StreamColumnType, value: unknown): boolean => {
  switch (type) {
    case "string":
      return typeof value === "string"
    case "int":
      return Number.isInteger(value) && (value as number) >= INT32_MIN && (value as number) <= INT32_MAX
    case "long":
      return Number.isSafeInteger(value)
    case "real":
      return typeof value === "number" && Number.isFinite(value)
    case "boolean":
      return typeof value === "boolean"
    case "datetime":
      return typeof value === "string" && ISO_DATETIME.test(value) && !Number.isNaN(Date.parse(value))
    case "dynamic":
      return value !== undefined
  }
}

const describe = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "array" : `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`

/**
 * Checks one row against a stream's columns. Stricter than Azure (which silently drops what the transform does not
 * use), because a silently dropped column is exactly the bug a test should catch: every property must be a declared
 * column of the declared type (null stands for "no value"), and `TimeGenerated`, when declared, must be present.
 * Returns a message naming the bad column, or undefined when the row is acceptable.
 */
export const rowProblem = (
  stream: string,
  columns: ReadonlyArray<StreamColumn>,
  row: unknown,
  index: number,
): string | undefined => {
  if (typeof row !== "object" || row === null || Array.isArray(row)) {
    return `row ${index} of stream ${stream} is ${describe(row)}, not a JSON object`
  }
  const byName = new Map(columns.map((column) => [column.name, column]))
  for (const [name, value] of Object.entries(row)) {
    const column = byName.get(name)
    if (column === undefined) {
      return `row ${index}: column '${name}' is not declared in stream ${stream}`
    }
    if (value !== null && !matchesType(column.type, value)) {
      return `row ${index}: column '${name}' of stream ${stream} expects ${column.type}, got ${describe(value)}`
    }
  }
  if (byName.has("TimeGenerated") && (row as Record<string, unknown>).TimeGenerated == null) {
    return `row ${index}: column 'TimeGenerated' of stream ${stream} is missing`
  }
  return undefined
}
