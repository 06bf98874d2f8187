/**
 * Values of the Service Bus SQL filter language. Integer constants and AMQP integer properties are Int64 (`bigint`,
 * wrapping like C#'s unchecked arithmetic), decimal and approximate constants and AMQP float/double properties are
 * `System.Double` (`number`). `null` stands for both NULL and "unknown" (a property the message does not have):
 * the documentation gives them the same semantics in every operator.
 */
export type SqlValue = null | boolean | string | bigint | number | SqlOpaque

/**
 * A value of a type the language has no constants for: a timestamp, a uuid (`newid()`), binary data, a char,
 * a decimal, a list or a map. `raw` is the protocol's own form, kept so that a rule action can copy it unchanged.
 */
export class SqlOpaque {
  readonly type: OpaqueType
  /** Milliseconds since the epoch for a timestamp, the canonical string for a uuid; otherwise the raw value. */
  readonly value: unknown
  readonly raw: unknown

  constructor(type: OpaqueType, value: unknown, raw?: unknown) {
    this.type = type
    this.value = value
    this.raw = raw
  }
}

export type OpaqueType = "timestamp" | "uuid" | "binary" | "char" | "decimal" | "list" | "map" | "described"

/** A failure while evaluating a filter or an action against one message (Service Bus: a filter evaluation exception). */
export class SqlEvaluationError extends Error {
  override readonly name = "SqlEvaluationError"
}

const int64Min = -(2n ** 63n)
const int64Max = 2n ** 63n - 1n

export const isInt64 = (value: bigint): boolean => value >= int64Min && value <= int64Max

export const typeName = (value: SqlValue): string => {
  if (value === null) return "NULL"
  if (value instanceof SqlOpaque) return value.type
  switch (typeof value) {
    case "boolean":
      return "boolean"
    case "string":
      return "string"
    case "bigint":
      return "integer"
    default:
      return "double"
  }
}

const isNumeric = (value: SqlValue): value is bigint | number => typeof value === "bigint" || typeof value === "number"

const operandError = (operator: string, left: SqlValue, right: SqlValue): SqlEvaluationError =>
  new SqlEvaluationError(`The operator '${operator}' cannot be applied to ${typeName(left)} and ${typeName(right)}.`)

export type ComparisonOperator = "=" | "<>" | "<" | "<=" | ">" | ">="

const ordered = (operator: ComparisonOperator, sign: number): boolean => {
  switch (operator) {
    case "=":
      return sign === 0
    case "<>":
      return sign !== 0
    case "<":
      return sign < 0
    case "<=":
      return sign <= 0
    case ">":
      return sign > 0
    case ">=":
      return sign >= 0
  }
}

const compareNumbers = (operator: ComparisonOperator, left: bigint | number, right: bigint | number): boolean => {
  if (typeof left === "bigint" && typeof right === "bigint") {
    return ordered(operator, left < right ? -1 : left > right ? 1 : 0)
  }
  const a = Number(left)
  const b = Number(right)
  // NaN compares false with everything except <> (IEEE 754, as in C#).
  if (Number.isNaN(a) || Number.isNaN(b)) return operator === "<>"
  return ordered(operator, a < b ? -1 : a > b ? 1 : 0)
}

/**
 * C# operator binding: numbers compare with numbers (Int64 is promoted to Double when the other side is one),
 * strings, booleans and uuids only test equality with their own kind (ordinal, case-sensitive strings), timestamps
 * order among themselves. Anything else cannot be bound and fails the evaluation. NULL/unknown gives unknown.
 */
export const compare = (operator: ComparisonOperator, left: SqlValue, right: SqlValue): boolean | null => {
  if (left === null || right === null) return null
  if (isNumeric(left) && isNumeric(right)) return compareNumbers(operator, left, right)
  const equality = operator === "=" || operator === "<>"
  if (typeof left === "string" && typeof right === "string" && equality) return (left === right) === (operator === "=")
  if (typeof left === "boolean" && typeof right === "boolean" && equality) {
    return (left === right) === (operator === "=")
  }
  if (left instanceof SqlOpaque && right instanceof SqlOpaque && left.type === right.type) {
    if (left.type === "timestamp") return compareNumbers(operator, left.value as number, right.value as number)
    if (left.type === "uuid" && equality) return (left.value === right.value) === (operator === "=")
  }
  throw operandError(operator, left, right)
}

export type ArithmeticOperator = "+" | "-" | "*" | "/" | "%"

const wrap = (value: bigint): bigint => BigInt.asIntN(64, value)

const integerArithmetic = (operator: ArithmeticOperator, left: bigint, right: bigint): bigint => {
  switch (operator) {
    case "+":
      return wrap(left + right)
    case "-":
      return wrap(left - right)
    case "*":
      return wrap(left * right)
    case "/":
    case "%":
      if (right === 0n) throw new SqlEvaluationError("Attempted to divide by zero.")
      // BigInt division truncates toward zero and the remainder takes the dividend's sign, as in C#.
      return wrap(operator === "/" ? left / right : left % right)
  }
}

const doubleArithmetic = (operator: ArithmeticOperator, left: number, right: number): number => {
  switch (operator) {
    case "+":
      return left + right
    case "-":
      return left - right
    case "*":
      return left * right
    case "/":
      return left / right
    case "%":
      return left % right
  }
}

/** How C# writes a value that is concatenated to a string (`"a" + 1` is `"a1"`, `"a" + true` is `"aTrue"`). */
const concatenationText = (value: SqlValue): string | undefined => {
  if (typeof value === "string") return value
  if (typeof value === "bigint" || typeof value === "number") return String(value)
  if (typeof value === "boolean") return value ? "True" : "False"
  return undefined
}

export const arithmetic = (operator: ArithmeticOperator, left: SqlValue, right: SqlValue): SqlValue => {
  if (left === null || right === null) return null
  if (typeof left === "bigint" && typeof right === "bigint") return integerArithmetic(operator, left, right)
  if (isNumeric(left) && isNumeric(right)) return doubleArithmetic(operator, Number(left), Number(right))
  if (operator === "+" && (typeof left === "string" || typeof right === "string")) {
    const a = concatenationText(left)
    const b = concatenationText(right)
    if (a !== undefined && b !== undefined) return a + b
  }
  throw operandError(operator, left, right)
}

export const negate = (operator: "+" | "-", operand: SqlValue): SqlValue => {
  if (operand === null) return null
  if (typeof operand === "bigint") return operator === "-" ? wrap(-operand) : operand
  if (typeof operand === "number") return operator === "-" ? -operand : operand
  throw new SqlEvaluationError(`The unary operator '${operator}' cannot be applied to ${typeName(operand)}.`)
}

/** Three-valued AND/OR/NOT exactly as the documentation's truth tables give them. */
export const and = (left: boolean | null, right: boolean | null): boolean | null => {
  if (left === false || right === false) return false
  if (left === null || right === null) return null
  return true
}

export const or = (left: boolean | null, right: boolean | null): boolean | null => {
  if (left === true || right === true) return true
  if (left === null || right === null) return null
  return false
}

export const not = (operand: boolean | null): boolean | null => (operand === null ? null : !operand)
