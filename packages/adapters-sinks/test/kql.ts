import { createRequire } from "node:module"

/**
 * Microsoft's own KQL parser and analyzer (Kusto.Language, the engine of the Kusto editors, published as
 * `@kusto/language-service-next`), loaded for the tests: it parses a query and resolves every name against a schema,
 * reporting a table or column it does not know as an error, as Log Analytics would.
 */

interface Diagnostic {
  readonly Severity: string
  readonly Code: string
  readonly Message: string
  readonly Start: number
  readonly Length: number
}
interface List<A> {
  readonly Count: number
  getItem(index: number): A
}
interface NamedSymbol {
  readonly Name: string
}
interface SyntaxNode {
  readonly ReferencedSymbol: NamedSymbol | null
}
interface KustoLanguage {
  readonly Symbols: {
    readonly TableSymbol: { readonly $ctor7: new (name: string, schema: string, description: string) => TableSymbol }
    readonly DatabaseSymbol: { readonly ctor: new (name: string, members: Array<unknown>) => unknown }
  }
  readonly GlobalState: { readonly Default: { WithDatabase(database: unknown): unknown } }
  readonly KustoCode: {
    ParseAndAnalyze(
      text: string,
      globals: unknown,
    ): {
      GetDiagnostics(): List<Diagnostic>
      readonly Syntax: { WalkNodes(action: (node: SyntaxNode) => void): void }
    }
  }
}
interface TableSymbol extends NamedSymbol {
  readonly Columns: List<NamedSymbol>
}

const load = (): KustoLanguage => {
  const require = createRequire(import.meta.url)
  const folder = require.resolve("@kusto/language-service-next/package.json").replace(/package\.json$/, "")
  // Bridge.NET scripts: the runtime, then the library; both define globals.
  require(`${folder}bridge.min.js`)
  require(`${folder}Kusto.Language.Bridge.min.js`)
  return (globalThis as unknown as { Kusto: { Language: KustoLanguage } }).Kusto.Language
}

let kusto: KustoLanguage | undefined

export interface KqlTable {
  readonly name: string
  readonly columns: ReadonlyArray<{ readonly name: string; readonly type: string }>
}

export interface KqlAnalysis {
  /** Syntax and semantic errors: `KS142 The name 'x' does not refer to any known column …` at its text. */
  readonly errors: ReadonlyArray<string>
  /** Tables of the schema the query reads. */
  readonly tables: ReadonlyArray<string>
  /** Columns of the schema's tables the query reads, as `Table.column`. */
  readonly columns: ReadonlyArray<string>
}

/** An analyzer for queries over these tables (a Log Analytics workspace's custom tables). */
export const kqlAnalyzer = (tables: ReadonlyArray<KqlTable>) => {
  kusto ??= load()
  const K = kusto
  const symbols = tables.map(
    (table) =>
      new K.Symbols.TableSymbol.$ctor7(
        table.name,
        `(${table.columns.map((column) => `${column.name}:${column.type.toLowerCase()}`).join(", ")})`,
        table.name,
      ),
  )
  const globals = K.GlobalState.Default.WithDatabase(new K.Symbols.DatabaseSymbol.ctor("workspace", symbols))
  // A column symbol of a table is the one the analyzer resolves a reference to, until an operator derives new ones.
  const owner = new Map<NamedSymbol, string>()
  for (const table of symbols) {
    for (let i = 0; i < table.Columns.Count; i++) owner.set(table.Columns.getItem(i), table.Name)
  }
  const tableNames = new Set(symbols)

  return (text: string): KqlAnalysis => {
    const code = K.KustoCode.ParseAndAnalyze(text, globals)
    const diagnostics = code.GetDiagnostics()
    const errors: Array<string> = []
    for (let i = 0; i < diagnostics.Count; i++) {
      const d = diagnostics.getItem(i)
      if (d.Severity === "Error")
        errors.push(`${d.Code} ${d.Message} at ${JSON.stringify(text.slice(d.Start, d.Start + d.Length))}`)
    }
    const usedTables = new Set<string>()
    const usedColumns = new Set<string>()
    code.Syntax.WalkNodes((node) => {
      const symbol = node.ReferencedSymbol
      if (symbol === null) return
      if (tableNames.has(symbol as TableSymbol)) usedTables.add(symbol.Name)
      const table = owner.get(symbol)
      if (table !== undefined) usedColumns.add(`${table}.${symbol.Name}`)
    })
    return { errors, tables: [...usedTables].sort(), columns: [...usedColumns].sort() }
  }
}
