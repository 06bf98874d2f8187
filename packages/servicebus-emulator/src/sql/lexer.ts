import { SqlError } from "./SqlError.ts"

export const keywords = [
  "AND",
  "OR",
  "NOT",
  "IN",
  "LIKE",
  "ESCAPE",
  "IS",
  "NULL",
  "EXISTS",
  "TRUE",
  "FALSE",
  "SET",
  "REMOVE",
] as const

export type Keyword = (typeof keywords)[number]

const keywordSet: ReadonlySet<string> = new Set(keywords)

export type Punctuation =
  | "("
  | ")"
  | ","
  | "."
  | ";"
  | "="
  | "<>"
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "+"
  | "-"
  | "*"
  | "/"
  | "%"

export type Token =
  | { readonly type: "keyword"; readonly keyword: Keyword; readonly start: number; readonly end: number }
  /** `quoted` for `[delimited]` and `"quoted"` identifiers, which are never keywords. */
  | {
      readonly type: "identifier"
      readonly name: string
      readonly quoted: boolean
      readonly start: number
      readonly end: number
    }
  | { readonly type: "string"; readonly value: string; readonly start: number; readonly end: number }
  | { readonly type: "integer"; readonly text: string; readonly start: number; readonly end: number }
  | { readonly type: "double"; readonly text: string; readonly start: number; readonly end: number }
  | { readonly type: "parameter"; readonly name: string; readonly start: number; readonly end: number }
  | { readonly type: "punctuation"; readonly value: Punctuation; readonly start: number; readonly end: number }
  | { readonly type: "end"; readonly start: number; readonly end: number }

// The documentation's <regular_identifier>: a Unicode letter, then letters, decimal digits and underscores.
const identifierStart = /\p{L}/u
const identifierPart = /[\p{L}\p{Nd}_]/u
const digit = /[0-9]/
const whitespace = /\s/u

const twoCharacter: ReadonlySet<string> = new Set(["<>", "!=", "<=", ">="])
const oneCharacter: ReadonlySet<string> = new Set(["(", ")", ",", ".", ";", "=", "<", ">", "+", "-", "*", "/", "%"])

/** The text of a token as the user wrote it, for error messages. */
export const describeToken = (text: string, token: Token): string => {
  if (token.type === "end") return "end of expression"
  const written = text.slice(token.start, token.end)
  switch (token.type) {
    case "keyword":
      return `keyword ${token.keyword}`
    case "identifier":
      return `identifier ${written}`
    case "string":
      return `string ${written}`
    case "integer":
    case "double":
      return `number ${written}`
    case "parameter":
      return `parameter ${written}`
    case "punctuation":
      return `'${written}'`
  }
}

/** Reads an enclosed identifier or string whose closing character is escaped by doubling it. */
const enclosed = (text: string, start: number, close: string, what: string): { value: string; end: number } => {
  let value = ""
  let i = start + 1
  for (;;) {
    const next = text.indexOf(close, i)
    if (next < 0) {
      throw new SqlError("syntax", text, start, `unterminated ${what}: no closing ${close}`, {
        expected: close,
        found: "end of expression",
      })
    }
    value += text.slice(i, next)
    if (text[next + 1] === close) {
      value += close
      i = next + 2
      continue
    }
    return { value, end: next + 1 }
  }
}

const codePointAt = (text: string, i: number): string => String.fromCodePoint(text.codePointAt(i) ?? 0)

export const tokenize = (text: string): Array<Token> => {
  const tokens: Array<Token> = []
  let i = 0
  while (i < text.length) {
    const c = text[i] as string
    if (whitespace.test(c)) {
      i++
      continue
    }
    const start = i
    if (c === "'") {
      const { value, end } = enclosed(text, start, "'", "string constant")
      tokens.push({ type: "string", value, start, end })
      i = end
    } else if (c === "[") {
      const { value, end } = enclosed(text, start, "]", "delimited identifier")
      tokens.push({ type: "identifier", name: value, quoted: true, start, end })
      i = end
    } else if (c === '"') {
      const { value, end } = enclosed(text, start, '"', "quoted identifier")
      tokens.push({ type: "identifier", name: value, quoted: true, start, end })
      i = end
    } else if (digit.test(c) || (c === "." && digit.test(text[i + 1] ?? ""))) {
      i = number(text, start, tokens)
    } else if (c === "@") {
      i++
      while (i < text.length && identifierPart.test(codePointAt(text, i))) i += codePointAt(text, i).length
      if (i === start + 1) {
        throw new SqlError("syntax", text, start, "a parameter needs a name after @", {
          expected: "a parameter name",
          found: "@",
        })
      }
      tokens.push({ type: "parameter", name: text.slice(start, i), start, end: i })
    } else if (identifierStart.test(codePointAt(text, i))) {
      i += codePointAt(text, i).length
      while (i < text.length && identifierPart.test(codePointAt(text, i))) i += codePointAt(text, i).length
      const name = text.slice(start, i)
      const upper = name.toUpperCase()
      if (keywordSet.has(upper)) tokens.push({ type: "keyword", keyword: upper as Keyword, start, end: i })
      else tokens.push({ type: "identifier", name, quoted: false, start, end: i })
    } else if (twoCharacter.has(text.slice(i, i + 2))) {
      tokens.push({ type: "punctuation", value: text.slice(i, i + 2) as Punctuation, start, end: i + 2 })
      i += 2
    } else if (oneCharacter.has(c)) {
      tokens.push({ type: "punctuation", value: c as Punctuation, start, end: i + 1 })
      i++
    } else {
      const character = codePointAt(text, i)
      throw new SqlError("syntax", text, start, `unexpected character '${character}'`, { found: `'${character}'` })
    }
  }
  tokens.push({ type: "end", start: text.length, end: text.length })
  return tokens
}

/** `1894` (Int64), `1894.1204`, `2.`, `.5` (Double), `101.5E5`, `0.5E-2` (Double). */
const number = (text: string, start: number, tokens: Array<Token>): number => {
  let i = start
  let decimal = false
  while (digit.test(text[i] ?? "")) i++
  if (text[i] === ".") {
    decimal = true
    i++
    while (digit.test(text[i] ?? "")) i++
  }
  if (text[i] === "e" || text[i] === "E") {
    let j = i + 1
    if (text[j] === "+" || text[j] === "-") j++
    if (!digit.test(text[j] ?? "")) {
      throw new SqlError("syntax", text, i, "the exponent of a number needs digits", {
        expected: "digits",
        found: text.slice(start, j + 1),
      })
    }
    while (digit.test(text[j] ?? "")) j++
    i = j
    decimal = true
  }
  const written = text.slice(start, i)
  tokens.push({ type: decimal ? "double" : "integer", text: written, start, end: i })
  return i
}
