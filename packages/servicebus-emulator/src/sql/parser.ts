import type { ArithmeticOp, ComparisonOp, Expression, Predicate, PropertyRef, Statement } from "./ast.ts"
import { describeToken, type Keyword, type Punctuation, type Token, tokenize } from "./lexer.ts"
import { SqlError } from "./SqlError.ts"
import { isReadOnlySystemProperty, lookupSystemProperty, systemPropertyList } from "./systemProperties.ts"

/**
 * A recursive-descent parser for the documented grammar (SQL filter syntax and SQL rule action syntax). Precedence,
 * loosest first: OR, AND, NOT, the non-associative comparisons (=, <>, !=, <, <=, >, >=, [NOT] IN, [NOT] LIKE,
 * IS [NOT] NULL), + and -, * / and %, unary + and -. The grammar keeps predicates (true/false/unknown) and
 * expressions (values) apart: `(a = 1) + 2` or `a AND b` are refused where they are written.
 */

/** A parsed piece that may still turn out to be either kind (a parenthesised one, or TRUE/FALSE). */
type Parsed =
  | { readonly kind: "predicate"; readonly node: Predicate }
  | { readonly kind: "expression"; readonly node: Expression }

const comparisonOperators: ReadonlyMap<string, ComparisonOp> = new Map([
  ["=", "="],
  ["<>", "<>"],
  ["!=", "<>"],
  ["<", "<"],
  ["<=", "<="],
  [">", ">"],
  [">=", ">="],
])

const int64Max = 2n ** 63n - 1n
const afterValue = "a comparison operator, IN, LIKE or IS"

class Parser {
  private readonly text: string
  private readonly tokens: ReadonlyArray<Token>
  private index = 0

  constructor(text: string) {
    this.text = text
    this.tokens = tokenize(text)
  }

  filter(): Predicate {
    const parsed = this.or()
    if (this.peek().type !== "end") {
      this.fail(parsed.kind === "expression" ? afterValue : "AND, OR or the end of the expression")
    }
    return this.predicate(parsed)
  }

  action(): Array<Statement> {
    const statements: Array<Statement> = []
    for (;;) {
      statements.push(this.statement())
      // Statements are separated by an optional semicolon (the documentation's `<action> [;]`).
      while (this.isPunctuation(";") || this.isPunctuation(",")) this.index++
      if (this.peek().type === "end") return statements
    }
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)] as Token
  }

  private take(): Token {
    const token = this.peek()
    if (token.type !== "end") this.index++
    return token
  }

  private isKeyword(keyword: Keyword, offset = 0): boolean {
    const token = this.peek(offset)
    return token.type === "keyword" && token.keyword === keyword
  }

  private isPunctuation(value: Punctuation, offset = 0): boolean {
    const token = this.peek(offset)
    return token.type === "punctuation" && token.value === value
  }

  private fail(expected: string, token: Token = this.peek()): never {
    const found = describeToken(this.text, token)
    throw new SqlError("syntax", this.text, token.start, `expected ${expected}, found ${found}`, { expected, found })
  }

  private expectPunctuation(value: Punctuation, expected = `'${value}'`): void {
    if (!this.isPunctuation(value)) this.fail(expected)
    this.index++
  }

  /** A predicate where the grammar wants one; TRUE and FALSE count, any other value does not. */
  private predicate(parsed: Parsed): Predicate {
    if (parsed.kind === "predicate") return parsed.node
    if (parsed.node.kind === "boolean") return { kind: "constant", value: parsed.node.value, start: parsed.node.start }
    return this.fail(afterValue)
  }

  /** A value where the grammar wants one (an operand of arithmetic or of a comparison). */
  private expression(parsed: Parsed): Expression {
    if (parsed.kind === "expression") return parsed.node
    throw new SqlError(
      "syntax",
      this.text,
      parsed.node.start,
      "expected a value here, found a condition (a condition cannot be an operand of arithmetic or of a comparison)",
      { expected: "a value", found: "a condition" },
    )
  }

  private or(): Parsed {
    return this.logical("OR", () => this.and())
  }

  private and(): Parsed {
    return this.logical("AND", () => this.not())
  }

  /** A left-associative chain of AND or OR over predicates. */
  private logical(keyword: "AND" | "OR", operand: () => Parsed): Parsed {
    let left = operand()
    while (this.isKeyword(keyword)) {
      const leftPredicate = this.predicate(left)
      this.index++
      const right = this.predicate(operand())
      const kind = keyword === "AND" ? "and" : "or"
      left = { kind: "predicate", node: { kind, left: leftPredicate, right, start: leftPredicate.start } }
    }
    return left
  }

  private not(): Parsed {
    if (!this.isKeyword("NOT")) return this.comparison()
    const start = this.take().start
    const operand = this.predicate(this.not())
    return { kind: "predicate", node: { kind: "not", operand, start } }
  }

  private comparison(): Parsed {
    const left = this.additive()
    const token = this.peek()
    const operator = token.type === "punctuation" ? comparisonOperators.get(token.value) : undefined
    if (operator !== undefined) {
      const leftValue = this.expression(left)
      this.index++
      const right = this.expression(this.additive())
      return { kind: "predicate", node: { kind: "compare", operator, left: leftValue, right, start: leftValue.start } }
    }
    const negated = this.isKeyword("NOT") && (this.isKeyword("IN", 1) || this.isKeyword("LIKE", 1))
    if (negated) this.index++
    if (this.isKeyword("IN")) return this.inList(this.expression(left), negated)
    if (this.isKeyword("LIKE")) return this.like(this.expression(left), negated)
    if (this.isKeyword("IS")) return this.isNull(left)
    return left
  }

  private inList(operand: Expression, negated: boolean): Parsed {
    this.index++
    this.expectPunctuation("(", "'(' and a list of values")
    const items = [this.expression(this.additive())]
    while (this.isPunctuation(",")) {
      this.index++
      items.push(this.expression(this.additive()))
    }
    this.expectPunctuation(")", "',' or ')'")
    return { kind: "predicate", node: { kind: "in", negated, operand, items, start: operand.start } }
  }

  private like(operand: Expression, negated: boolean): Parsed {
    this.index++
    const pattern = this.expression(this.additive())
    let escapeCharacter: Expression | undefined
    if (this.isKeyword("ESCAPE")) {
      this.index++
      escapeCharacter = this.expression(this.additive())
    }
    return {
      kind: "predicate",
      node: { kind: "like", negated, operand, pattern, escape: escapeCharacter, start: operand.start },
    }
  }

  private isNull(left: Parsed): Parsed {
    if (left.kind !== "expression" || left.node.kind !== "property") {
      throw new SqlError("syntax", this.text, left.node.start, "IS [NOT] NULL applies to a property only", {
        expected: "a property before IS",
        found: left.kind === "predicate" ? "a condition" : "a value",
      })
    }
    this.index++
    const negated = this.isKeyword("NOT")
    if (negated) this.index++
    if (!this.isKeyword("NULL")) this.fail(negated ? "NULL" : "NULL or NOT NULL")
    this.index++
    return {
      kind: "predicate",
      node: { kind: "isNull", negated, property: left.node.property, start: left.node.start },
    }
  }

  private additive(): Parsed {
    let left = this.multiplicative()
    for (;;) {
      const token = this.peek()
      if (token.type !== "punctuation" || (token.value !== "+" && token.value !== "-")) return left
      const leftValue = this.expression(left)
      this.index++
      const right = this.expression(this.multiplicative())
      left = {
        kind: "expression",
        node: { kind: "arithmetic", operator: token.value, left: leftValue, right, start: leftValue.start },
      }
    }
  }

  private multiplicative(): Parsed {
    let left = this.unary()
    for (;;) {
      const token = this.peek()
      if (token.type !== "punctuation" || (token.value !== "*" && token.value !== "/" && token.value !== "%")) {
        return left
      }
      const leftValue = this.expression(left)
      this.index++
      const right = this.expression(this.unary())
      left = {
        kind: "expression",
        node: {
          kind: "arithmetic",
          operator: token.value as ArithmeticOp,
          left: leftValue,
          right,
          start: leftValue.start,
        },
      }
    }
  }

  private unary(): Parsed {
    const token = this.peek()
    if (token.type !== "punctuation" || (token.value !== "+" && token.value !== "-")) return this.primary()
    this.index++
    const next = this.peek()
    // -9223372036854775808 is Int64.MinValue: the sign belongs to the constant, whose magnitude alone would overflow.
    if (token.value === "-" && next.type === "integer") {
      this.index++
      return { kind: "expression", node: this.integer(next.text, next.start, token.start, true) }
    }
    const operand = this.expression(this.unary())
    return { kind: "expression", node: { kind: "negate", operator: token.value, operand, start: token.start } }
  }

  private integer(text: string, at: number, start: number, negative: boolean): Expression {
    const magnitude = BigInt(text)
    const value = negative ? -magnitude : magnitude
    if (value > int64Max || value < -int64Max - 1n) {
      throw new SqlError("invalid", this.text, at, `the integer constant ${text} is outside the Int64 range`)
    }
    return { kind: "integer", value, start }
  }

  private primary(): Parsed {
    const token = this.peek()
    switch (token.type) {
      case "integer":
        this.index++
        return { kind: "expression", node: this.integer(token.text, token.start, token.start, false) }
      case "double": {
        this.index++
        const value = Number(token.text)
        if (!Number.isFinite(value)) {
          throw new SqlError("invalid", this.text, token.start, `the number ${token.text} is outside the Double range`)
        }
        return { kind: "expression", node: { kind: "double", value, start: token.start } }
      }
      case "string":
        this.index++
        return { kind: "expression", node: { kind: "string", value: token.value, start: token.start } }
      case "parameter":
        this.index++
        return { kind: "expression", node: { kind: "parameter", name: token.name, start: token.start } }
      case "identifier":
        if (!token.quoted && this.isPunctuation("(", 1)) return { kind: "expression", node: this.call() }
        return { kind: "expression", node: { kind: "property", property: this.property("read"), start: token.start } }
      case "keyword":
        return this.keywordPrimary(token.keyword, token.start)
      case "punctuation":
        if (token.value === "(") {
          this.index++
          const inner = this.or()
          this.expectPunctuation(")", inner.kind === "expression" ? `')' or ${afterValue}` : "')', AND or OR")
          return inner
        }
        return this.fail("a value, a property or '('")
      case "end":
        return this.fail("a value, a property or '('")
    }
  }

  private keywordPrimary(keyword: Keyword, start: number): Parsed {
    switch (keyword) {
      case "TRUE":
      case "FALSE":
        this.index++
        return { kind: "expression", node: { kind: "boolean", value: keyword === "TRUE", start } }
      case "NULL":
        this.index++
        return { kind: "expression", node: { kind: "null", start } }
      case "EXISTS": {
        this.index++
        this.expectPunctuation("(", "'(' and a property")
        const property = this.property("read")
        this.expectPunctuation(")")
        return { kind: "predicate", node: { kind: "exists", property, start } }
      }
      default:
        return this.fail("a value, a property or '('")
    }
  }

  private call(): Expression {
    const token = this.take() as Extract<Token, { type: "identifier" }>
    this.index++ // "("
    const name = token.name.toLowerCase()
    if (name === "newid") {
      this.expectPunctuation(")", "')' (newid() takes no argument)")
      return { kind: "newid", start: token.start }
    }
    if (name === "property" || name === "p") {
      const argument = this.expression(this.additive())
      this.expectPunctuation(")", `')' (${name}() takes one argument)`)
      return { kind: "propertyFunction", name: argument, start: token.start }
    }
    throw new SqlError(
      "syntax",
      this.text,
      token.start,
      `unknown function ${token.name}(); the functions are newid(), property(name) and p(name)`,
      { expected: "newid, property or p", found: `function ${token.name}` },
    )
  }

  /** `[sys. | user.] name`; in SET and REMOVE (`write`), system properties must be settable. */
  private property(use: "read" | "write"): PropertyRef {
    const first = this.take()
    if (first.type !== "identifier") return this.fail("a property name", first)
    if (!this.isPunctuation(".")) return { scope: "user", name: first.name, start: first.start }
    const scope = first.name.toLowerCase()
    if (first.quoted || (scope !== "sys" && scope !== "user")) {
      throw new SqlError(
        "syntax",
        this.text,
        first.start,
        `unknown scope '${first.name}'; the scopes are sys and user`,
        {
          expected: "sys or user",
          found: `identifier ${first.name}`,
        },
      )
    }
    this.index++ // "."
    const nameToken = this.take()
    // After a scope, keywords are names too (user.set is the application property "set").
    const name =
      nameToken.type === "identifier"
        ? nameToken.name
        : nameToken.type === "keyword"
          ? this.text.slice(nameToken.start, nameToken.end)
          : this.fail("a property name after the scope", nameToken)
    if (scope === "user") return { scope: "user", name, start: first.start }
    return { scope: "sys", name: this.systemProperty(name, nameToken.start, use), start: first.start }
  }

  private systemProperty(name: string, at: number, use: "read" | "write") {
    const lookup = lookupSystemProperty(name)
    if (use === "write" && isReadOnlySystemProperty(name)) {
      throw new SqlError("invalid", this.text, at, `sys.${name} is read-only: a rule action cannot change it`)
    }
    if (lookup.kind === "supported") return lookup.name
    if (lookup.kind === "unsupported") {
      throw new SqlError(
        "unsupported",
        this.text,
        at,
        `the system property sys.${lookup.name} is not supported by the emulator (supported: ${systemPropertyList})`,
      )
    }
    throw new SqlError(
      "invalid",
      this.text,
      at,
      `'${name}' is not a system property (the Service Bus name of the subject is sys.Label); known: ${systemPropertyList}`,
      { expected: "a system property", found: `sys.${name}` },
    )
  }

  private statement(): Statement {
    const token = this.peek()
    if (this.isKeyword("SET")) {
      this.index++
      const property = this.property("write")
      this.expectPunctuation("=")
      const value = this.expression(this.additive())
      return { kind: "set", property, value, start: token.start }
    }
    if (this.isKeyword("REMOVE")) {
      this.index++
      return { kind: "remove", property: this.property("write"), start: token.start }
    }
    return this.fail(this.index === 0 ? "SET or REMOVE" : "SET, REMOVE or the end of the action")
  }
}

/** Parses a SQL filter expression; throws `SqlError` with the position and what was expected. */
export const parseFilter = (text: string): Predicate => new Parser(text).filter()

/** Parses a SQL rule action (`SET p = e`, `REMOVE p`, separated by optional semicolons). */
export const parseAction = (text: string): Array<Statement> => new Parser(text).action()
