/**
 * Why an expression was refused when a rule was created:
 * - `syntax`: it does not follow the grammar (`expected` says what would have);
 * - `invalid`: it parses but cannot work (an unknown system property, a read-only one in SET, a parameter without a
 *   value, a constant LIKE escape longer than one character);
 * - `unsupported`: valid Service Bus SQL that this emulator does not implement (the message names the feature).
 */
export type SqlErrorKind = "syntax" | "invalid" | "unsupported"

export interface SourcePosition {
  /** Offset of the offending token in the expression (0-based). */
  readonly offset: number
  readonly line: number
  readonly column: number
}

export const positionAt = (text: string, offset: number): SourcePosition => {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line++
      lineStart = i + 1
    }
  }
  return { offset, line, column: offset - lineStart + 1 }
}

export class SqlError extends Error {
  override readonly name = "SqlError"
  readonly kind: SqlErrorKind
  readonly position: SourcePosition
  /** What the parser expected at `position` (syntax errors). */
  readonly expected: string | undefined
  /** The token found at `position`, as written (or "end of expression"). */
  readonly found: string | undefined
  /** The reason alone, without the position. */
  readonly reason: string

  constructor(
    kind: SqlErrorKind,
    text: string,
    offset: number,
    reason: string,
    details: { readonly expected?: string; readonly found?: string } = {},
  ) {
    const position = positionAt(text, offset)
    super(`line ${position.line}, column ${position.column}: ${reason}`)
    this.kind = kind
    this.position = position
    this.expected = details.expected
    this.found = details.found
    this.reason = reason
  }
}
