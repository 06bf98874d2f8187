import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { writeRequested } from "../../../scripts/benchmarks.ts"

const heading = "## @haymaker/adapters-servicebus"

/**
 * Writes this package's section of the root BENCHMARKS.md: `intro`, then one `### …` subsection per broker
 * placement. A run replaces its own subsection and keeps the other one, so both placements can be on record. Only
 * with `--write`.
 */
export const writeSection = (
  intro: string,
  subsection: { title: string; body: string },
  order: ReadonlyArray<string>,
) => {
  if (!writeRequested()) return
  const file = new URL("../../../BENCHMARKS.md", import.meta.url)
  const current = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n"
  const start = current.indexOf(heading)
  const end = start === -1 ? -1 : current.indexOf("\n## ", start + heading.length)
  const previous = start === -1 ? "" : current.slice(start, end === -1 ? undefined : end)
  const kept = new Map<string, string>()
  for (const part of previous.split(/\n(?=### )/).slice(1)) {
    const title = part.slice(0, part.indexOf("\n")).trim()
    if (order.includes(title)) kept.set(title, part.trimEnd())
  }
  kept.set(subsection.title, `${subsection.title}\n\n${subsection.body.trimEnd()}`)
  const parts = order.flatMap((title) => {
    const part = kept.get(title)
    return part === undefined ? [] : [part]
  })
  const section = `${heading}\n\n${intro.trimEnd()}\n\n${parts.join("\n\n")}\n`
  const next =
    start === -1
      ? `${current.trimEnd()}\n\n${section}`
      : `${current.slice(0, start)}${section}${end === -1 ? "" : current.slice(end)}`
  writeFileSync(file, next)
}
