import type { SystemProperty } from "./systemProperties.ts"

/** Where a node starts in the expression text, for errors found after parsing. */
interface Located {
  readonly start: number
}

export type PropertyRef =
  | (Located & { readonly scope: "user"; readonly name: string })
  | (Located & { readonly scope: "sys"; readonly name: SystemProperty })

export type ArithmeticOp = "+" | "-" | "*" | "/" | "%"
export type ComparisonOp = "=" | "<>" | "<" | "<=" | ">" | ">="

/** `<expression>` of the grammar: something that has a value. */
export type Expression =
  | (Located & { readonly kind: "integer"; readonly value: bigint })
  | (Located & { readonly kind: "double"; readonly value: number })
  | (Located & { readonly kind: "string"; readonly value: string })
  | (Located & { readonly kind: "boolean"; readonly value: boolean })
  | (Located & { readonly kind: "null" })
  | (Located & { readonly kind: "parameter"; readonly name: string })
  | (Located & { readonly kind: "property"; readonly property: PropertyRef })
  | (Located & { readonly kind: "negate"; readonly operator: "+" | "-"; readonly operand: Expression })
  | (Located & {
      readonly kind: "arithmetic"
      readonly operator: ArithmeticOp
      readonly left: Expression
      readonly right: Expression
    })
  | (Located & { readonly kind: "newid" })
  | (Located & { readonly kind: "propertyFunction"; readonly name: Expression })

/** `<predicate>` of the grammar: something that is true, false or unknown. */
export type Predicate =
  | (Located & { readonly kind: "constant"; readonly value: boolean })
  | (Located & {
      readonly kind: "compare"
      readonly operator: ComparisonOp
      readonly left: Expression
      readonly right: Expression
    })
  | (Located & {
      readonly kind: "in"
      readonly negated: boolean
      readonly operand: Expression
      readonly items: ReadonlyArray<Expression>
    })
  | (Located & {
      readonly kind: "like"
      readonly negated: boolean
      readonly operand: Expression
      readonly pattern: Expression
      readonly escape: Expression | undefined
    })
  | (Located & { readonly kind: "isNull"; readonly negated: boolean; readonly property: PropertyRef })
  | (Located & { readonly kind: "exists"; readonly property: PropertyRef })
  | (Located & { readonly kind: "not"; readonly operand: Predicate })
  | (Located & { readonly kind: "and" | "or"; readonly left: Predicate; readonly right: Predicate })

export type Statement =
  | (Located & { readonly kind: "set"; readonly property: PropertyRef; readonly value: Expression })
  | (Located & { readonly kind: "remove"; readonly property: PropertyRef })
