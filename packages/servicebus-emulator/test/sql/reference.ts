/**
 * A reference model of the SQL filter language for the property test: its own syntax tree (generated, then printed
 * as text for the real parser), and a direct interpreter written from the documentation, sharing no code with
 * `src/sql`: tagged values, the documentation's truth tables as lookups, a backtracking LIKE matcher instead of a
 * regular expression.
 */

export type RefValue =
  | null
  | { readonly t: "int"; readonly v: bigint }
  | { readonly t: "dbl"; readonly v: number }
  | { readonly t: "str"; readonly v: string }
  | { readonly t: "bool"; readonly v: boolean }

export type RefProperty =
  | { readonly scope: "user"; readonly name: string; readonly spelling: "bare" | "scoped" | "bracket" | "quote" }
  | { readonly scope: "sys"; readonly name: "Label" | "To" }

export type RefExpr =
  | { readonly k: "lit"; readonly value: RefValue }
  | { readonly k: "prop"; readonly property: RefProperty }
  | { readonly k: "neg"; readonly op: "+" | "-"; readonly operand: RefExpr }
  | { readonly k: "arith"; readonly op: "+" | "-" | "*" | "/" | "%"; readonly left: RefExpr; readonly right: RefExpr }

export type RefPred =
  | { readonly k: "const"; readonly value: boolean }
  | {
      readonly k: "cmp"
      readonly op: "=" | "<>" | "!=" | "<" | "<=" | ">" | ">="
      readonly left: RefExpr
      readonly right: RefExpr
    }
  | { readonly k: "in"; readonly negated: boolean; readonly operand: RefExpr; readonly items: ReadonlyArray<RefExpr> }
  | {
      readonly k: "like"
      readonly negated: boolean
      readonly operand: RefExpr
      readonly pattern: string
      readonly escape: string | undefined
    }
  | { readonly k: "isNull"; readonly negated: boolean; readonly property: RefProperty }
  | { readonly k: "exists"; readonly property: RefProperty }
  | { readonly k: "not"; readonly operand: RefPred }
  | { readonly k: "and" | "or"; readonly left: RefPred; readonly right: RefPred }

export interface RefMessage {
  /** Application properties; names are distinct ignoring case. */
  readonly user: ReadonlyArray<readonly [string, RefValue]>
  readonly sys: { readonly Label: string | null; readonly To: string | null }
}

/** An evaluation that the language defines as failing (Service Bus: a filter evaluation exception). */
export class RefFailure extends Error {}

// ---------- printing ----------

const quote = (text: string, mark: string): string => `${mark}${text.replaceAll(mark, mark + mark)}${mark}`

const printProperty = (property: RefProperty): string => {
  if (property.scope === "sys") return `sys.${property.name}`
  switch (property.spelling) {
    case "bare":
      return property.name
    case "scoped":
      return `user.${property.name}`
    case "bracket":
      return `[${property.name.replaceAll("]", "]]")}]`
    case "quote":
      return quote(property.name, '"')
  }
}

const printDouble = (value: number): string => {
  const text = String(value)
  return /[.e]/.test(text) ? text : `${text}.0`
}

const printValue = (value: RefValue): string => {
  if (value === null) return "NULL"
  switch (value.t) {
    case "int":
      return String(value.v)
    case "dbl":
      return printDouble(value.v)
    case "str":
      return quote(value.v, "'")
    case "bool":
      return value.v ? "TRUE" : "FALSE"
  }
}

// Binding strength: OR 1, AND 2, NOT 3, comparisons 4, + - 5, * / % 6, unary 7, atoms 8.
const exprLevel = (node: RefExpr): number => {
  if (node.k === "arith") return node.op === "+" || node.op === "-" ? 5 : 6
  if (node.k === "neg") return 7
  return 8
}

const wrap = (text: string, level: number, min: number, extra: boolean): string =>
  level < min || extra ? `(${text})` : text

/** `extra(node)` adds parentheses the precedence does not need (they must not change anything). */
export const printExpr = (node: RefExpr, min: number, extra: (node: object) => boolean): string => {
  const level = exprLevel(node)
  let text: string
  switch (node.k) {
    case "lit":
      text = printValue(node.value)
      break
    case "prop":
      text = printProperty(node.property)
      break
    case "neg":
      text = `${node.op} ${printExpr(node.operand, 7, extra)}`
      break
    case "arith":
      text = `${printExpr(node.left, level, extra)} ${node.op} ${printExpr(node.right, level + 1, extra)}`
      break
  }
  return wrap(text, level, min, extra(node))
}

const predLevel = (node: RefPred): number => (node.k === "or" ? 1 : node.k === "and" ? 2 : node.k === "not" ? 3 : 4)

export const printPred = (node: RefPred, min: number, extra: (node: object) => boolean): string => {
  const level = predLevel(node)
  const not = (negated: boolean) => (negated ? "NOT " : "")
  let text: string
  switch (node.k) {
    case "const":
      text = node.value ? "TRUE" : "FALSE"
      break
    case "cmp":
      text = `${printExpr(node.left, 5, extra)} ${node.op} ${printExpr(node.right, 5, extra)}`
      break
    case "in":
      text = `${printExpr(node.operand, 5, extra)} ${not(node.negated)}IN (${node.items.map((item) => printExpr(item, 5, extra)).join(", ")})`
      break
    case "like":
      text = `${printExpr(node.operand, 5, extra)} ${not(node.negated)}LIKE ${quote(node.pattern, "'")}${
        node.escape === undefined ? "" : ` ESCAPE ${quote(node.escape, "'")}`
      }`
      break
    case "isNull":
      text = `${printProperty(node.property)} IS ${not(node.negated)}NULL`
      break
    case "exists":
      text = `EXISTS(${printProperty(node.property)})`
      break
    case "not":
      text = `NOT ${printPred(node.operand, 3, extra)}`
      break
    case "and":
    case "or":
      text = `${printPred(node.left, level, extra)} ${node.k.toUpperCase()} ${printPred(node.right, level + 1, extra)}`
      break
  }
  return wrap(text, level, min, extra(node))
}

// ---------- evaluation ----------

type Tri = "T" | "F" | "U"
const andTable: Record<Tri, Record<Tri, Tri>> = {
  T: { T: "T", F: "F", U: "U" },
  F: { T: "F", F: "F", U: "F" },
  U: { T: "U", F: "F", U: "U" },
}
const orTable: Record<Tri, Record<Tri, Tri>> = {
  T: { T: "T", F: "T", U: "T" },
  F: { T: "T", F: "F", U: "U" },
  U: { T: "T", F: "U", U: "U" },
}
const notTable: Record<Tri, Tri> = { T: "F", F: "T", U: "U" }

const lookup = (message: RefMessage, property: RefProperty): RefValue | undefined => {
  if (property.scope === "sys") {
    // An unset system property is absent (EXISTS is false), and reads as NULL.
    const value = message.sys[property.name]
    return value === null ? undefined : { t: "str", v: value }
  }
  const lower = property.name.toLowerCase()
  const entry = message.user.find(([name]) => name.toLowerCase() === lower)
  return entry === undefined ? undefined : entry[1]
}

const numeric = (value: NonNullable<RefValue>): value is { t: "int"; v: bigint } | { t: "dbl"; v: number } =>
  value.t === "int" || value.t === "dbl"

const int64 = (value: bigint): RefValue => ({ t: "int", v: BigInt.asIntN(64, value) })

const text = (value: NonNullable<RefValue>): string => {
  if (value.t === "bool") return value.v ? "True" : "False"
  return String(value.v)
}

const evalExpr = (node: RefExpr, message: RefMessage): RefValue => {
  switch (node.k) {
    case "lit":
      return node.value
    case "prop":
      return lookup(message, node.property) ?? null
    case "neg": {
      const value = evalExpr(node.operand, message)
      if (value === null) return null
      if (value.t === "int") return node.op === "-" ? int64(-value.v) : value
      if (value.t === "dbl") return node.op === "-" ? { t: "dbl", v: -value.v } : value
      throw new RefFailure("unary operator on a non-number")
    }
    case "arith": {
      const a = evalExpr(node.left, message)
      const b = evalExpr(node.right, message)
      if (a === null || b === null) return null
      if (a.t === "int" && b.t === "int") {
        if ((node.op === "/" || node.op === "%") && b.v === 0n) throw new RefFailure("divide by zero")
        const results = { "+": a.v + b.v, "-": a.v - b.v, "*": a.v * b.v, "/": 0n, "%": 0n }
        if (node.op === "/") results["/"] = a.v / b.v
        if (node.op === "%") results["%"] = a.v % b.v
        return int64(results[node.op])
      }
      if (numeric(a) && numeric(b)) {
        const x = Number(a.v)
        const y = Number(b.v)
        const results = { "+": x + y, "-": x - y, "*": x * y, "/": x / y, "%": x % y }
        return { t: "dbl", v: results[node.op] }
      }
      if (node.op === "+" && (a.t === "str" || b.t === "str")) return { t: "str", v: text(a) + text(b) }
      throw new RefFailure("arithmetic on incompatible types")
    }
  }
}

const tri = (value: boolean): Tri => (value ? "T" : "F")

const compareValues = (op: string, a: RefValue, b: RefValue): Tri => {
  if (a === null || b === null) return "U"
  const equality = op === "=" || op === "<>" || op === "!="
  let x: bigint | number | string | boolean
  let y: bigint | number | string | boolean
  if (a.t === "int" && b.t === "int") {
    x = a.v
    y = b.v
  } else if (numeric(a) && numeric(b)) {
    x = Number(a.v)
    y = Number(b.v)
  } else if (equality && a.t === b.t) {
    x = a.v
    y = b.v
  } else {
    throw new RefFailure("comparison of incompatible types")
  }
  switch (op) {
    case "=":
      return tri(x === y)
    case "<>":
    case "!=":
      return tri(x !== y)
    case "<":
      return tri(x < y)
    case "<=":
      return tri(x <= y)
    case ">":
      return tri(x > y)
    default:
      return tri(x >= y)
  }
}

/** LIKE by backtracking over pattern elements: any run, any one character, or a literal character. */
const likeMatches = (subject: string, pattern: string, escapeCharacter: string | undefined): boolean => {
  const elements: Array<{ readonly any: "run" | "one" | undefined; readonly literal: string }> = []
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string
    if (c === escapeCharacter) elements.push({ any: undefined, literal: pattern[++i] as string })
    else if (c === "%") elements.push({ any: "run", literal: "" })
    else if (c === "_") elements.push({ any: "one", literal: "" })
    else elements.push({ any: undefined, literal: c })
  }
  const match = (s: number, p: number): boolean => {
    if (p === elements.length) return s === subject.length
    const element = elements[p] as (typeof elements)[number]
    if (element.any === "run") {
      for (let k = s; k <= subject.length; k++) if (match(k, p + 1)) return true
      return false
    }
    if (s === subject.length) return false
    if (element.any === "one" || subject[s] === element.literal) return match(s + 1, p + 1)
    return false
  }
  return match(0, 0)
}

const evalPred = (node: RefPred, message: RefMessage): Tri => {
  switch (node.k) {
    case "const":
      return tri(node.value)
    case "cmp":
      return compareValues(node.op, evalExpr(node.left, message), evalExpr(node.right, message))
    case "in": {
      const value = evalExpr(node.operand, message)
      if (value === null) return "U"
      for (const item of node.items) {
        const candidate = evalExpr(item, message)
        if (candidate !== null && compareValues("=", value, candidate) === "T") return tri(!node.negated)
      }
      return tri(node.negated)
    }
    case "like": {
      const value = evalExpr(node.operand, message)
      if (value === null) return "U"
      if (value.t !== "str") throw new RefFailure("LIKE on a non-string")
      return tri(likeMatches(value.v, node.pattern, node.escape) !== node.negated)
    }
    case "isNull": {
      const value = lookup(message, node.property)
      return tri((value === undefined || value === null) !== node.negated)
    }
    case "exists":
      return tri(lookup(message, node.property) !== undefined)
    case "not":
      return notTable[evalPred(node.operand, message)]
    case "and": {
      const left = evalPred(node.left, message)
      return left === "F" ? "F" : andTable[left][evalPred(node.right, message)]
    }
    case "or": {
      const left = evalPred(node.left, message)
      return left === "T" ? "T" : orTable[left][evalPred(node.right, message)]
    }
  }
}

/** An expression's value; throws `RefFailure` where the language defines the evaluation as failing. */
export const referenceValue = (node: RefExpr, message: RefMessage): RefValue => evalExpr(node, message)

/** true, false, null (unknown), or "error" when the language defines the evaluation as failing. */
export const referenceEvaluate = (node: RefPred, message: RefMessage): boolean | null | "error" => {
  try {
    const result = evalPred(node, message)
    return result === "U" ? null : result === "T"
  } catch (error) {
    if (error instanceof RefFailure) return "error"
    throw error
  }
}
