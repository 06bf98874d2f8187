import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  compileSqlAction,
  compileSqlFilter,
  SqlEvaluationError,
  type SqlMessage,
  type SqlValue,
} from "../../src/sql/index.ts"
import {
  printExpr,
  printPred,
  type RefExpr,
  RefFailure,
  type RefMessage,
  type RefPred,
  type RefProperty,
  type RefValue,
  referenceEvaluate,
  referenceValue,
} from "./reference.ts"

// ---------- generators ----------

const int64Edges = [-(2n ** 63n), 2n ** 63n - 1n, 2n ** 62n, -(2n ** 32n)]

const intValue = fc
  .oneof(fc.bigInt({ min: -6n, max: 6n }), fc.constantFrom(...int64Edges))
  .map((v): RefValue => ({ t: "int", v }))
const finiteDouble = fc
  .oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0.5, 2, -1.5, 3.25))
  // A literal -0 would print as 0: keep literals printable exactly.
  .map((v): RefValue => ({ t: "dbl", v: Object.is(v, -0) ? 0 : v }))
const strings = ["", "a", "ab", "abc", "A", "a%b", "a_b", "it's", "x y", "a.b"]
const stringValue = fc.constantFrom(...strings).map((v): RefValue => ({ t: "str", v }))
const boolValue = fc.boolean().map((v): RefValue => ({ t: "bool", v }))

const literal: fc.Arbitrary<RefValue> = fc.oneof(
  intValue,
  finiteDouble,
  stringValue,
  boolValue,
  fc.constant<RefValue>(null),
)

// Property names, distinct ignoring case; "x y" needs a delimited or quoted spelling.
const names = ["a", "b", "Color", "größe", "x y"]

const userProperty: fc.Arbitrary<RefProperty> = fc
  .tuple(
    fc.constantFrom(...names),
    fc.constantFrom("same", "upper", "lower"),
    fc.constantFrom("bare", "scoped", "bracket", "quote"),
  )
  .map(([name, casing, spelling]) => {
    const written = casing === "upper" ? name.toUpperCase() : casing === "lower" ? name.toLowerCase() : name
    const safe = /^\p{L}[\p{L}\p{Nd}_]*$/u.test(written)
    const chosen = safe ? spelling : spelling === "quote" ? "quote" : "bracket"
    return { scope: "user", name: written, spelling: chosen as "bare" | "scoped" | "bracket" | "quote" }
  })
const systemProperty = fc.constantFrom<RefProperty>({ scope: "sys", name: "Label" }, { scope: "sys", name: "To" })
const property = fc.oneof({ weight: 4, arbitrary: userProperty }, { weight: 1, arbitrary: systemProperty })

const likePattern = fc
  .option(fc.constant("!"), { nil: undefined })
  .chain((escapeCharacter) =>
    fc
      .array(
        escapeCharacter === undefined
          ? fc.constantFrom("a", "b", "A", ".", "!", " ", "%", "_")
          : fc.constantFrom("a", "b", ".", "%", "_", "!%", "!_", "!!", "!a"),
        { maxLength: 4 },
      )
      .map((elements) => ({ pattern: elements.join(""), escape: escapeCharacter })),
  )

const { expression, predicate } = fc.letrec<{ expression: RefExpr; predicate: RefPred }>((tie) => ({
  expression: fc.oneof(
    { depthSize: "small", maxDepth: 4 },
    literal.map((value): RefExpr => ({ k: "lit", value })),
    property.map((p): RefExpr => ({ k: "prop", property: p })),
    fc.record({
      k: fc.constant("neg" as const),
      op: fc.constantFrom("+" as const, "-" as const),
      operand: tie("expression"),
    }),
    fc.record({
      k: fc.constant("arith" as const),
      op: fc.constantFrom("+" as const, "-" as const, "*" as const, "/" as const, "%" as const),
      left: tie("expression"),
      right: tie("expression"),
    }),
  ),
  predicate: fc.oneof(
    { depthSize: "small", maxDepth: 4 },
    fc.boolean().map((value): RefPred => ({ k: "const", value })),
    fc.record({
      k: fc.constant("cmp" as const),
      op: fc.constantFrom(
        "=" as const,
        "<>" as const,
        "!=" as const,
        "<" as const,
        "<=" as const,
        ">" as const,
        ">=" as const,
      ),
      left: tie("expression"),
      right: tie("expression"),
    }),
    fc.record({
      k: fc.constant("in" as const),
      negated: fc.boolean(),
      operand: tie("expression"),
      items: fc.array(tie("expression"), { minLength: 1, maxLength: 3 }),
    }),
    fc
      .tuple(fc.boolean(), tie("expression"), likePattern)
      .map(([negated, operand, like]): RefPred => ({ k: "like", negated, operand, ...like })),
    fc.record({ k: fc.constant("isNull" as const), negated: fc.boolean(), property }),
    fc.record({ k: fc.constant("exists" as const), property }),
    fc.record({ k: fc.constant("not" as const), operand: tie("predicate") }),
    fc.record({ k: fc.constantFrom("and" as const, "or" as const), left: tie("predicate"), right: tie("predicate") }),
  ),
}))

const messageValue: fc.Arbitrary<RefValue> = fc.oneof(
  literal,
  fc.constantFrom<RefValue>(
    { t: "dbl", v: Number.NaN },
    { t: "dbl", v: Number.POSITIVE_INFINITY },
    { t: "dbl", v: -0 },
  ),
)

const message: fc.Arbitrary<RefMessage> = fc.record({
  user: fc
    .subarray(names)
    .chain((present) => fc.tuple(...present.map((name) => messageValue.map((value) => [name, value] as const)))),
  sys: fc.record({
    Label: fc.option(fc.constantFrom(...strings), { nil: null }),
    To: fc.option(fc.constantFrom(...strings), { nil: null }),
  }),
})

/** Which nodes get parentheses the precedence does not need: every `period`-th one printed. */
const extraParentheses = fc.integer({ min: 0, max: 5 }).map((period) => {
  let count = 0
  return () => period > 0 && count++ % period === 0
})

// ---------- the implementation under test, fed the same message ----------

const sqlValue = (value: RefValue): SqlValue => (value === null ? null : value.v)

const sqlMessageOf = (model: RefMessage): SqlMessage => {
  const keyOf = (name: string) =>
    model.user.find(([key]) => key === name)?.[0] ??
    model.user.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[0]
  return {
    userPropertyKey: keyOf,
    userProperty: (name) => {
      const key = keyOf(name)
      const entry = model.user.find(([candidate]) => candidate === key)
      return entry === undefined ? undefined : sqlValue(entry[1])
    },
    systemProperty: (name) => (name === "Label" ? model.sys.Label : name === "To" ? model.sys.To : null),
  }
}

const outcome = (run: () => boolean | null): boolean | null | "error" => {
  try {
    return run()
  } catch (error) {
    if (error instanceof SqlEvaluationError) return "error"
    throw error
  }
}

describe("SQL filters against the reference model", () => {
  it("parse what the model prints and evaluate like the model, for generated filters and messages", () => {
    fc.assert(
      fc.property(predicate, message, extraParentheses, (tree, model, extra) => {
        const text = printPred(tree, 0, extra)
        const filter = compileSqlFilter(text)
        expect({ text, result: outcome(() => filter.evaluate(sqlMessageOf(model))) }).toEqual({
          text,
          result: referenceEvaluate(tree, model),
        })
      }),
      { numRuns: 3000 },
    )
  })
})

// ---------- actions ----------

type RefStatement =
  | { readonly k: "set"; readonly property: RefProperty & { scope: "user" }; readonly value: RefExpr }
  | { readonly k: "remove"; readonly property: RefProperty & { scope: "user" } }

const userOnly = userProperty as fc.Arbitrary<RefProperty & { scope: "user" }>

const statement: fc.Arbitrary<RefStatement> = fc.oneof(
  fc.record({ k: fc.constant("set" as const), property: userOnly, value: expression }),
  fc.record({ k: fc.constant("remove" as const), property: userOnly }),
)

const printProperty = (p: RefProperty) => printExpr({ k: "prop", property: p }, 0, () => false)

/** Runs statements one after the other on the message's properties; names resolve against the current state. */
const referenceAction = (
  statements: ReadonlyArray<RefStatement>,
  model: RefMessage,
): Array<readonly [string, RefValue]> | "error" => {
  let state = [...model.user]
  const resolve = (name: string) =>
    state.find(([key]) => key === name)?.[0] ?? state.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[0]
  try {
    for (const s of statements) {
      const key = resolve(s.property.name)
      if (s.k === "remove") {
        state = state.filter(([candidate]) => candidate !== key)
        continue
      }
      // The right side sees the state so far (as a one-statement filter would).
      const current: RefMessage = { user: state, sys: model.sys }
      const evaluated = referenceValue(s.value, current)
      if (key === undefined) state.push([s.property.name, evaluated])
      else state = state.map(([candidate, v]) => [candidate, candidate === key ? evaluated : v] as const)
    }
  } catch (error) {
    if (error instanceof RefFailure) return "error"
    throw error
  }
  return state
}

const applyEdits = (model: RefMessage, statements: string): Array<readonly [string, SqlValue]> | "error" => {
  const base = sqlMessageOf(model)
  let edits: ReturnType<ReturnType<typeof compileSqlAction>["apply"]>
  try {
    edits = compileSqlAction(statements).apply(base)
  } catch (error) {
    if (error instanceof SqlEvaluationError) return "error"
    throw error
  }
  const result: Array<readonly [string, SqlValue]> = model.user
    .filter(([key]) => !edits.user.has(key) || edits.user.get(key) !== undefined)
    .map(([key, value]) => [key, edits.user.has(key) ? (edits.user.get(key) as SqlValue) : sqlValue(value)] as const)
  for (const [key, value] of edits.user) {
    if (value !== undefined && !model.user.some(([candidate]) => candidate === key)) result.push([key, value])
  }
  return result
}

describe("SQL rule actions against the reference model", () => {
  it("apply generated SET and REMOVE statements like the model", () => {
    fc.assert(
      fc.property(
        fc.array(statement, { minLength: 1, maxLength: 4 }),
        message,
        fc.constantFrom("; ", " ", ";"),
        (statements, model, separator) => {
          const text = statements
            .map((s) =>
              s.k === "set"
                ? `SET ${printProperty(s.property)} = ${printExpr(s.value, 0, () => false)}`
                : `REMOVE ${printProperty(s.property)}`,
            )
            .join(separator)
          const expected = referenceAction(statements, model)
          const actual = applyEdits(model, text)
          const modelState =
            expected === "error" ? expected : Object.fromEntries(expected.map(([key, value]) => [key, sqlValue(value)]))
          const state = actual === "error" ? actual : Object.fromEntries(actual)
          expect({ text, state }).toEqual({ text, state: modelState })
        },
      ),
      { numRuns: 1500 },
    )
  })
})
