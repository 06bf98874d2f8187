import { compilePredicate, compileStatements, type SqlParameters } from "./compile.ts"
import { parseAction, parseFilter } from "./parser.ts"
import type { PropertyEdits, SqlMessage } from "./SqlMessage.ts"

/**
 * The Service Bus SQL language of subscription rules: filters (SQL filter syntax) and actions (SQL rule action
 * syntax), as Microsoft documents them. Compile once when a rule is created (refusals are `SqlError`s with a
 * position), evaluate per message (failures are `SqlEvaluationError`s).
 */

export interface SqlFilter {
  readonly expression: string
  /** true, false, or null for unknown (which does not match). Throws `SqlEvaluationError`. */
  evaluate(message: SqlMessage): boolean | null
}

export interface SqlAction {
  readonly expression: string
  /** The changes the action makes to this message's copy. Throws `SqlEvaluationError`. */
  apply(message: SqlMessage): PropertyEdits
}

export const compileSqlFilter = (expression: string, parameters?: SqlParameters): SqlFilter => ({
  expression,
  evaluate: compilePredicate(parseFilter(expression), expression, parameters),
})

export const compileSqlAction = (expression: string, parameters?: SqlParameters): SqlAction => ({
  expression,
  apply: compileStatements(parseAction(expression), expression, parameters),
})

export type { SqlParameters } from "./compile.ts"
export { type SourcePosition, SqlError, type SqlErrorKind } from "./SqlError.ts"
export type { PropertyEdits, SqlMessage } from "./SqlMessage.ts"
export { type OpaqueType, SqlEvaluationError, SqlOpaque, type SqlValue } from "./SqlValue.ts"
export { type SystemProperty, systemProperties } from "./systemProperties.ts"
