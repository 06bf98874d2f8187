import { describe, expect, it } from "vitest"
import { compileSqlAction, compileSqlFilter, SqlError } from "../../src/sql/index.ts"
import { thrownBy } from "../support.ts"
import { sqlMessage } from "./messages.ts"

const refusal = (compile: () => unknown): SqlError => thrownBy(compile, SqlError)

const filterRefusal = (expression: string) => refusal(() => compileSqlFilter(expression))

describe("SQL filter syntax: refusals name the position and what was expected", () => {
  it.each([
    ["a =", 1, 4, "a value, a property or '('", "end of expression"],
    ["a", 1, 2, "a comparison operator, IN, LIKE or IS", "end of expression"],
    ["a = b = c", 1, 7, "AND, OR or the end of the expression", "'='"],
    ["a = 1 b", 1, 7, "AND, OR or the end of the expression", "identifier b"],
    ["a = 1 AND", 1, 10, "a value, a property or '('", "end of expression"],
    ["a = 1 AND b", 1, 12, "a comparison operator, IN, LIKE or IS", "end of expression"],
    ["a IN ()", 1, 7, "a value, a property or '('", "')'"],
    ["a IN (1, 2", 1, 11, "',' or ')'", "end of expression"],
    ["a IN 1", 1, 6, "'(' and a list of values", "number 1"],
    ["(a = 1", 1, 7, "')', AND or OR", "end of expression"],
    ["a IS 1", 1, 6, "NULL or NOT NULL", "number 1"],
    ["a IS NOT 1", 1, 10, "NULL", "number 1"],
    ["EXISTS a", 1, 8, "'(' and a property", "identifier a"],
    ["EXISTS (1)", 1, 9, "a property name", "number 1"],
    ["like = 1", 1, 1, "a value, a property or '('", "keyword LIKE"],
    ["a = 1\n  AND b = ", 2, 11, "a value, a property or '('", "end of expression"],
  ])("%j: line %i, column %i, expected %s, found %s", (expression, line, column, expected, found) => {
    const error = filterRefusal(expression)
    expect(error.kind).toBe("syntax")
    expect(error.position).toMatchObject({ line, column })
    expect(error.expected).toBe(expected)
    expect(error.found).toBe(found)
    expect(error.message).toBe(`line ${line}, column ${column}: expected ${expected}, found ${found}`)
  })

  it.each([
    ["(a = 1) + 2", 1, 2, "a condition cannot be an operand"],
    ["a = (b = 1)", 1, 6, "a condition cannot be an operand"],
    ["1 IS NULL", 1, 1, "IS [NOT] NULL applies to a property only"],
    ["a = 'open", 1, 5, "unterminated string constant"],
    ["[open = 1", 1, 1, "unterminated delimited identifier"],
    ["a # 1", 1, 3, "unexpected character '#'"],
    ["_a = 1", 1, 1, "unexpected character '_'"],
    ["a = @", 1, 5, "a parameter needs a name after @"],
    ["a = 1e", 1, 6, "the exponent of a number needs digits"],
    ["foo(1) = 1", 1, 1, "unknown function foo()"],
    ["newid(1) = 1", 1, 7, "expected ')' (newid() takes no argument)"],
    ["a.b = 1", 1, 1, "unknown scope 'a'"],
  ])("%j is refused at line %i, column %i: %s", (expression, line, column, reason) => {
    const error = filterRefusal(expression)
    expect(error.kind).toBe("syntax")
    expect(error.position).toMatchObject({ line, column })
    expect(error.message).toContain(reason)
  })

  it.each([
    ["sys.Foo = 1", "invalid", 5, "'Foo' is not a system property"],
    ["sys.Subject = 'x'", "invalid", 5, "the Service Bus name of the subject is sys.Label"],
    ["sys.EnqueuedTimeUtc > 1", "unsupported", 5, "sys.EnqueuedTimeUtc is not supported by the emulator"],
    ["sys.SequenceNumber > 1", "unsupported", 5, "sys.SequenceNumber is not supported by the emulator"],
    ["a = @missing", "invalid", 5, "the parameter @missing has no value"],
    ["a LIKE 'x' ESCAPE 'ab'", "invalid", 19, "the LIKE escape must be one character"],
    ["a LIKE 'x!' ESCAPE '!'", "invalid", 8, "ends with its escape character"],
    ["a = 9223372036854775808", "invalid", 5, "outside the Int64 range"],
    ["a = 1e999", "invalid", 5, "outside the Double range"],
  ])("%j is refused as %s at column %i", (expression, kind, column, reason) => {
    const error = filterRefusal(expression)
    expect(error.kind).toBe(kind)
    expect(error.position.column).toBe(column)
    expect(error.message).toContain(reason)
  })
})

describe("SQL filter syntax: what the grammar accepts", () => {
  const message = sqlMessage(
    { color: "red", "Property With Space": "x", "HR-EmployeeID": 7n, 'say "hi"': 1n, "a]b": 2n, größe: 3n },
    { Label: "invoice" },
  )
  const matches = (expression: string, parameters?: Record<string, string | bigint>) =>
    compileSqlFilter(expression, parameters).evaluate(message)

  it.each([
    "color = 'red'",
    "COLOR = 'red'",
    "user.color = 'red'",
    "USER.Color = 'red'",
    "sys.Label = 'invoice'",
    "SYS.label = 'invoice'",
    "[Property With Space] = 'x'",
    "[HR-EmployeeID] = 7",
    '"say ""hi""" = 1',
    "[a]]b] = 2",
    "größe = 3",
    "color <> 'blue' and color != 'green' AnD NoT color = 'blue'",
    "color IN ('blue', 'red')",
    "color NOT IN ('blue')",
    "color LIKE 'r%'",
    "color NOT LIKE 'b%'",
    "color IS NOT NULL",
    "missing IS NULL",
    "EXISTS(color)",
    "EXISTS ( user.color )",
    "NOT EXISTS(sys.To) OR sys.To = 'x'",
    "((color = 'red'))",
    "TRUE",
    "NOT FALSE",
    "1=1",
    "1 = 1.0 AND 2.5 = 25E-1 AND .5 = 0.5 AND 2. = 2",
    "-9223372036854775808 < 0 AND 9223372036854775807 > 0",
    "'it''s' = 'it' + '''s'",
    "property('color') = 'red' AND p('sys.Label') = 'invoice' AND P('user.color') = 'red'",
    "NEWID() <> newid()",
  ])("%s", (expression) => {
    expect(matches(expression)).toBe(true)
  })

  it("resolves parameters with or without @, case-insensitively", () => {
    expect(matches("color = @Color", { "@color": "red" })).toBe(true)
    expect(matches("color = @c", { c: "red" })).toBe(true)
    expect(matches("[HR-EmployeeID] = @id + 1", { "@ID": 6n })).toBe(true)
  })

  it("keeps keywords apart from property names: a delimited keyword is a property", () => {
    expect(compileSqlFilter("[like] = 1").evaluate(sqlMessage({ like: 1n }))).toBe(true)
    expect(compileSqlFilter("user.set = 1").evaluate(sqlMessage({ set: 1n }))).toBe(true)
  })
})

describe("SQL rule action syntax", () => {
  it.each([
    ["SET a = 1", ["a"]],
    ["set a = 1;", ["a"]],
    ["SET a = 1; REMOVE b", ["a", "b"]],
    ["SET a = 1 SET b = 2", ["a", "b"]],
    ["SET quantity = quantity / 2; REMOVE priority;SET sys.CorrelationId = 'low';", ["quantity", "priority"]],
  ])("accepts %j", (expression, keys) => {
    const edits = compileSqlAction(expression).apply(sqlMessage({ quantity: 4n, priority: 1n, b: 1n }))
    expect([...edits.user.keys()]).toEqual(keys)
  })

  it.each([
    ["", 1, "expected SET or REMOVE, found end of expression"],
    ["SET", 4, "expected a property name, found end of expression"],
    ["SET a 1", 7, "expected '=', found number 1"],
    ["SET a = ", 9, "expected a value, a property or '(', found end of expression"],
    ["SET a = 1 b", 11, "expected SET, REMOVE or the end of the action, found identifier b"],
    ["SET a = b = 1", 11, "expected SET, REMOVE or the end of the action, found '='"],
    ["UPDATE a = 1", 1, "expected SET or REMOVE, found identifier UPDATE"],
    ["SET sys.SequenceNumber = 1", 9, "sys.SequenceNumber is read-only"],
    ["REMOVE sys.EnqueuedTimeUtc", 12, "sys.EnqueuedTimeUtc is read-only"],
    ["SET sys.TimeToLive = 1", 9, "sys.TimeToLive is not supported by the emulator"],
    ["SET a = @nothing", 9, "the parameter @nothing has no value"],
  ])("refuses %j at column %i: %s", (expression, column, reason) => {
    const error = refusal(() => compileSqlAction(expression))
    expect(error.position.column).toBe(column)
    expect(error.message).toContain(reason)
  })
})
