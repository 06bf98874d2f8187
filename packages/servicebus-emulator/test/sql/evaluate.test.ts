import { describe, expect, it } from "vitest"
import {
  compileSqlAction,
  compileSqlFilter,
  SqlEvaluationError,
  SqlOpaque,
  type SqlValue,
} from "../../src/sql/index.ts"
import { thrownBy } from "../support.ts"
import { sqlMessage } from "./messages.ts"

const message = sqlMessage(
  {
    s: "abc",
    i: 7n,
    neg: -7n,
    big: 9223372036854775807n,
    d: 2.5,
    nan: Number.NaN,
    t: true,
    f: false,
    nothing: null,
    when: new SqlOpaque("timestamp", 1_700_000_000_000),
    later: new SqlOpaque("timestamp", 1_800_000_000_000),
    id: new SqlOpaque("uuid", "9a7a1b8e-0000-4000-8000-000000000001"),
    bytes: new SqlOpaque("binary", Buffer.from("x")),
    Mixed: "upper",
    mixed: "lower",
    Other: "O",
  },
  { Label: "invoice", To: "store-1", MessageId: "123456" },
)

const evaluate = (expression: string): boolean | null => compileSqlFilter(expression).evaluate(message)

const failure = (expression: string): SqlEvaluationError => thrownBy(() => evaluate(expression), SqlEvaluationError)

// The documentation's truth values, written as predicates: true, false and unknown (a missing property).
const truth = { T: "1 = 1", F: "1 = 0", U: "missing = 1" } as const
const value = { T: true, F: false, U: null } as const
type Truth = keyof typeof truth

describe("three-valued logic, as the documentation's tables give it", () => {
  const table = (rows: Record<Truth, Record<Truth, Truth>>) =>
    Object.entries(rows).flatMap(([left, row]) =>
      Object.entries(row).map(([right, result]) => [left as Truth, right as Truth, result] as const),
    )

  it.each(table({ T: { T: "T", F: "F", U: "U" }, F: { T: "F", F: "F", U: "F" }, U: { T: "U", F: "F", U: "U" } }))(
    "%s AND %s is %s",
    (left, right, result) => {
      expect(evaluate(`${truth[left]} AND ${truth[right]}`)).toBe(value[result])
    },
  )

  it.each(table({ T: { T: "T", F: "T", U: "T" }, F: { T: "T", F: "F", U: "U" }, U: { T: "T", F: "U", U: "U" } }))(
    "%s OR %s is %s",
    (left, right, result) => {
      expect(evaluate(`${truth[left]} OR ${truth[right]}`)).toBe(value[result])
    },
  )

  it.each([
    ["T", "F"],
    ["F", "T"],
    ["U", "U"],
  ] as const)("NOT %s is %s", (operand, result) => {
    expect(evaluate(`NOT ${truth[operand]}`)).toBe(value[result])
  })

  it("binds NOT tighter than AND, AND tighter than OR", () => {
    expect(evaluate("1 = 1 OR 1 = 1 AND 1 = 0")).toBe(true)
    expect(evaluate("(1 = 1 OR 1 = 1) AND 1 = 0")).toBe(false)
    expect(evaluate("NOT 1 = 1 AND 1 = 0")).toBe(false)
    expect(evaluate("NOT (1 = 0 AND 1 = 1)")).toBe(true)
  })

  it("decides left to right: the right side is not evaluated once the left side decides", () => {
    expect(evaluate("1 = 0 AND 1 / 0 = 1")).toBe(false)
    expect(evaluate("1 = 1 OR 1 / 0 = 1")).toBe(true)
    expect(() => evaluate("missing = 1 AND 1 / 0 = 1")).toThrow(SqlEvaluationError)
  })
})

describe("unknown values (missing properties and NULL)", () => {
  it.each([
    "missing = 1",
    "missing <> 1",
    "nothing = 1",
    "NULL = NULL",
    "missing + 1 = 1",
    "-missing = 1",
    "missing LIKE 'a%'",
    "s LIKE missing",
    "s LIKE 'a' ESCAPE missing",
    "missing IN (1, 2)",
    "missing NOT IN (1, 2)",
    "NOT missing = 1",
    "property('missing') = 1",
    "property(missing) = 1",
  ])("%s is unknown", (expression) => {
    expect(evaluate(expression)).toBeNull()
  })

  it("IS NULL is true for a missing property and for a NULL value; EXISTS only for a present one", () => {
    expect(evaluate("missing IS NULL")).toBe(true)
    expect(evaluate("nothing IS NULL")).toBe(true)
    expect(evaluate("s IS NULL")).toBe(false)
    expect(evaluate("missing IS NOT NULL")).toBe(false)
    expect(evaluate("nothing IS NOT NULL")).toBe(false)
    expect(evaluate("EXISTS(missing)")).toBe(false)
    expect(evaluate("EXISTS(nothing)")).toBe(true)
    expect(evaluate("EXISTS(sys.Label)")).toBe(true)
    expect(evaluate("EXISTS(sys.ReplyTo)")).toBe(false)
    expect(evaluate("sys.ReplyTo IS NULL")).toBe(true)
  })

  it("an IN list item that is unknown does not match, and does not make the result unknown", () => {
    expect(evaluate("i IN (missing, 7)")).toBe(true)
    expect(evaluate("i IN (missing, 8)")).toBe(false)
    expect(evaluate("i NOT IN (missing, 8)")).toBe(true)
  })
})

describe("comparisons follow C# operator binding", () => {
  it.each([
    ["i = 7", true],
    ["i = 7.0", true],
    ["i < 7.5", true],
    ["d = 2.5", true],
    ["d > i", false],
    ["big = 9223372036854775807", true],
    ["big > 9223372036854775806", true],
    ["neg < 0", true],
    ["s = 'abc'", true],
    ["s = 'ABC'", false],
    ["s <> 'abd'", true],
    ["t = TRUE", true],
    ["f <> TRUE", true],
    ["nan = nan", false],
    ["nan <> nan", true],
    ["nan < 1", false],
    ["when < later", true],
    ["when = when", true],
    ["id = id", true],
    ["mixed = 'upper'", false],
    ["Mixed = 'upper'", true],
    ["MIXED = 'upper'", true],
    ["other = 'O'", true],
  ] as const)("%s is %s", (expression, expected) => {
    expect(evaluate(expression)).toBe(expected)
  })

  it.each([
    ["s = 1", "The operator '=' cannot be applied to string and integer."],
    ["i = 'a'", "The operator '=' cannot be applied to integer and string."],
    ["t = 1", "The operator '=' cannot be applied to boolean and integer."],
    ["s < 'b'", "The operator '<' cannot be applied to string and string."],
    ["t > f", "The operator '>' cannot be applied to boolean and boolean."],
    ["id < id", "The operator '<' cannot be applied to uuid and uuid."],
    ["bytes = bytes", "The operator '=' cannot be applied to binary and binary."],
    ["when = 1", "The operator '=' cannot be applied to timestamp and integer."],
    ["s IN ('x', 1)", "The operator '=' cannot be applied to string and integer."],
  ])("%s cannot be bound: %s", (expression, reason) => {
    expect(failure(expression).message).toBe(reason)
  })
})

describe("arithmetic", () => {
  it.each([
    ["i + 1 = 8", true],
    ["i - 10 = -3", true],
    ["i * 2 = 14", true],
    ["i / 2 = 3", true],
    ["neg / 2 = -3", true],
    ["i % 4 = 3", true],
    ["neg % 4 = -3", true],
    ["i / 2.0 = 3.5", true],
    ["d * 2 = 5", true],
    ["d % 1 = 0.5", true],
    ["1.0 / 0 > 1e308", true],
    ["big + 1 = -9223372036854775808", true],
    ["-(-9223372036854775808) = -9223372036854775808", true],
    ["+i = 7", true],
    ["-d = -2.5", true],
    ["2 + 3 * 4 = 14", true],
    ["(2 + 3) * 4 = 20", true],
    ["10 - 4 - 3 = 3", true],
    ["2 * -3 = -6", true],
    ["s + 'd' = 'abcd'", true],
    ["s + i = 'abc7'", true],
    ["'x' + t = 'xTrue'", true],
  ] as const)("%s is %s", (expression, expected) => {
    expect(evaluate(expression)).toBe(expected)
  })

  it.each([
    ["i / 0 = 1", "Attempted to divide by zero."],
    ["i % 0 = 1", "Attempted to divide by zero."],
    ["s - 'a' = 1", "The operator '-' cannot be applied to string and string."],
    ["t + 1 = 1", "The operator '+' cannot be applied to boolean and integer."],
    ["-s = 1", "The unary operator '-' cannot be applied to string."],
    ["when + 1 = 1", "The operator '+' cannot be applied to timestamp and integer."],
  ])("%s fails: %s", (expression, reason) => {
    expect(failure(expression).message).toBe(reason)
  })
})

describe("LIKE", () => {
  const like = (subject: string, pattern: string, escapeCharacter?: string) =>
    compileSqlFilter(`v LIKE ${pattern}${escapeCharacter === undefined ? "" : ` ESCAPE ${escapeCharacter}`}`).evaluate(
      sqlMessage({ v: subject, p: "a%", e: "!" }),
    )

  it.each([
    ["abc", "'abc'", undefined, true],
    ["abc", "'a%'", undefined, true],
    ["abc", "'%c'", undefined, true],
    ["abc", "'%b%'", undefined, true],
    ["abc", "'%'", undefined, true],
    ["", "'%'", undefined, true],
    ["abc", "'a_c'", undefined, true],
    ["abc", "'a_'", undefined, false],
    ["abc", "'___'", undefined, true],
    ["abc", "'ABC'", undefined, false],
    ["abc", "'ab'", undefined, false],
    ["a.c", "'a.c'", undefined, true],
    ["abc", "'a.c'", undefined, false],
    ["a(b)*", "'a(b)*'", undefined, true],
    ["line\nbreak", "'line_break'", undefined, true],
    ["line\nbreak", "'%break'", undefined, true],
    ["ABC%", "'ABC\\%'", "'\\'", true],
    ["ABCD", "'ABC\\%'", "'\\'", false],
    ["a_b", "'a!_b'", "'!'", true],
    ["axb", "'a!_b'", "'!'", false],
    ["a!b", "'a!!b'", "'!'", true],
    ["abc", "p", undefined, true],
    ["a_x", "'a!_x'", "e", true],
  ])("%j LIKE %s ESCAPE %s is %s", (subject, pattern, escapeCharacter, expected) => {
    expect(like(subject, pattern, escapeCharacter)).toBe(expected)
  })

  it("NOT LIKE negates, and unknown stays unknown", () => {
    expect(evaluate("s NOT LIKE 'a%'")).toBe(false)
    expect(evaluate("s NOT LIKE 'x%'")).toBe(true)
    expect(evaluate("missing NOT LIKE 'x%'")).toBeNull()
  })

  it("fails on operands that are not strings, and on a computed escape that is not one character", () => {
    expect(failure("i LIKE '7'").message).toBe("LIKE needs a string, got integer.")
    expect(failure("s LIKE i").message).toBe("LIKE needs strings, got string LIKE integer.")
    expect(failure("s LIKE 'a' ESCAPE s").message).toBe("the LIKE escape must be one character, got 'abc'.")
  })
})

describe("system properties, functions and parameters", () => {
  it("reads system properties by their Service Bus names, case-insensitively", () => {
    expect(evaluate("sys.Label = 'invoice' AND sys.label = 'invoice' AND SYS.LABEL LIKE 'inv%'")).toBe(true)
    expect(evaluate("sys.To IN ('store-1', 'store-2') AND sys.MessageId = '123456'")).toBe(true)
    expect(evaluate("sys.CorrelationId = 'x'")).toBeNull()
  })

  it("property(name) takes a computed name with an optional scope", () => {
    expect(evaluate("property('s') = 'abc' AND property('user.' + 's') = 'abc'")).toBe(true)
    expect(evaluate("p('sys.To') = 'store-1'")).toBe(true)
    expect(failure("property(i) = 1").message).toBe("property() needs a string name, got integer.")
    expect(failure("property('sys.Nope') = 1").message).toContain("not a system property the emulator supports")
  })

  it("newid() gives a new uuid each time", () => {
    expect(evaluate("newid() = newid()")).toBe(false)
    expect(evaluate("newid() <> newid()")).toBe(true)
  })

  it("takes typed parameters", () => {
    const parameters: Record<string, SqlValue> = { "@n": 7n, "@x": 2.5, "@s": "abc", "@b": true, "@none": null }
    expect(compileSqlFilter("i = @n AND d = @x AND s = @s AND t = @b", parameters).evaluate(message)).toBe(true)
    expect(compileSqlFilter("i = @none", parameters).evaluate(message)).toBeNull()
  })
})

describe("rule actions", () => {
  const apply = (expression: string, parameters?: Record<string, SqlValue>) =>
    compileSqlAction(expression, parameters).apply(message)

  it("sets and removes application properties, keeping the key the message already uses", () => {
    const edits = apply("SET i = i * 2; SET fresh = 'new'; SET OTHER = 'x'; REMOVE s; REMOVE missing")
    expect(Object.fromEntries(edits.user)).toEqual({ i: 14n, fresh: "new", Other: "x", s: undefined })
    expect(edits.system.size).toBe(0)
  })

  it("runs statements in order: later ones see the earlier ones", () => {
    const edits = apply("SET a = 1; SET b = a + 1; REMOVE a; SET c = a")
    expect(Object.fromEntries(edits.user)).toEqual({ a: undefined, b: 2n, c: null })
  })

  it("sets and removes system properties", () => {
    const edits = apply("SET sys.To = 'Entity'; SET sys.Label = sys.Label + '-routed'; REMOVE sys.MessageId")
    expect(Object.fromEntries(edits.system)).toEqual({ To: "Entity", Label: "invoice-routed", MessageId: null })
  })

  it("sets a property from an unknown value to NULL", () => {
    expect(Object.fromEntries(apply("SET copy = missing").user)).toEqual({ copy: null })
  })

  it("fails when a system property would get a value that is not a string", () => {
    expect(() => apply("SET sys.To = 5")).toThrow("sys.To takes a string; the expression gave integer.")
  })

  it("takes parameters", () => {
    expect(Object.fromEntries(apply("SET source = @source", { "@source": "routedOrders" }).user)).toEqual({
      source: "routedOrders",
    })
  })
})
