import type { RuleConfig } from "../config/EmulatorConfig.ts"
import { compileSqlAction, type SqlAction, SqlError, SqlEvaluationError } from "../sql/index.ts"
import type { Payload } from "./BrokeredMessage.ts"
import { type Filter, filterFromConfig } from "./filters.ts"

export interface Rule {
  readonly name: string
  readonly filter: Filter
  readonly action: SqlAction | undefined
  /** The rule's definition, for enumerating rules. */
  readonly config: RuleConfig
}

/** A rule's SQL filter or action was refused. */
export class RuleExpressionError extends Error {
  override readonly name = "RuleExpressionError"
  readonly part: "filter" | "action"
  readonly expression: string
  readonly error: SqlError

  constructor(part: "filter" | "action", expression: string, error: SqlError) {
    super(`The SQL ${part === "filter" ? "filter" : "rule action"} '${expression}' was refused: ${error.message}`)
    this.part = part
    this.expression = expression
    this.error = error
  }
}

const compiled = <A>(part: "filter" | "action", expression: string, compile: () => A): A => {
  try {
    return compile()
  } catch (error) {
    if (error instanceof SqlError) throw new RuleExpressionError(part, expression, error)
    throw error
  }
}

/** Compiles a rule; throws `RuleExpressionError` when its SQL filter or action is refused. */
export const ruleFromConfig = (config: RuleConfig): Rule => {
  const filter = config.filter
  const action = config.action
  return {
    name: config.name,
    filter: compiled("filter", filter.type === "sql" ? filter.expression : "", () => filterFromConfig(filter)),
    action:
      action === undefined
        ? undefined
        : compiled("action", action.expression, () => compileSqlAction(action.expression, action.parameters)),
    config,
  }
}

/** A rule failed on a message (Service Bus: a filter evaluation exception). */
export class RuleFailure {
  readonly rule: string
  readonly reason: string

  constructor(rule: string, reason: string) {
    this.rule = rule
    this.reason = reason
  }
}

/** The application property Service Bus adds to each copy a rule with an action makes. */
export const ruleNameProperty = "RuleName"

const failure = (rule: Rule, error: unknown): RuleFailure => {
  if (error instanceof SqlEvaluationError) return new RuleFailure(rule.name, error.message)
  throw error
}

/**
 * What a topic message becomes in a subscription, as Microsoft's "Topic filters and actions" describes it: all
 * matching rules without an action together give one copy of the message; each matching rule with an action gives
 * a copy of its own, changed by the action and carrying the rule's name in `RuleName`. Returns nothing, the one
 * unchanged copy, the copies (the unchanged one first), or the failure of the first rule that failed.
 */
export const applyRules = (
  rules: Iterable<Rule>,
  payload: Payload,
): Payload | ReadonlyArray<Payload> | RuleFailure | undefined => {
  let plain = false
  let copies: Array<Payload> | undefined
  for (const rule of rules) {
    // One match among the rules without an action is enough; only rules with actions still need evaluating.
    if (plain && rule.action === undefined) continue
    let matched: boolean
    try {
      matched = rule.filter.matches(payload)
    } catch (error) {
      return failure(rule, error)
    }
    if (!matched) continue
    if (rule.action === undefined) {
      plain = true
      continue
    }
    let edits: ReturnType<SqlAction["apply"]>
    try {
      edits = rule.action.apply(payload.sql)
    } catch (error) {
      return failure(rule, error)
    }
    const user = new Map(edits.user)
    user.set(ruleNameProperty, rule.name)
    copies ??= []
    copies.push(payload.withEdits({ user, system: edits.system }))
  }
  if (copies === undefined) return plain ? payload : undefined
  if (plain) copies.unshift(payload)
  return copies
}
