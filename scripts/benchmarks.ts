// The one convention of every package's benchmarks: results are printed; the root BENCHMARKS.md (a tracked file) is
// rewritten only when the run is given `--write` (`./dev bench --write`, `./dev --filter <package> bench --write`).
import { existsSync, readFileSync, writeFileSync } from "node:fs"

const file = new URL("../BENCHMARKS.md", import.meta.url)

/** True when the run was asked to record its results in BENCHMARKS.md. */
export const writeRequested = (argv: ReadonlyArray<string> = process.argv): boolean => argv.includes("--write")

/** The bench's own arguments: without `--write` and without the `--` that `pnpm bench -- …` passes on. */
export const benchArguments = (argv: ReadonlyArray<string> = process.argv): Array<string> =>
  argv.slice(2).filter((arg, i) => !(i === 0 && arg === "--") && arg !== "--write")

const read = (): string => (existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n")

/** Where a `## heading` section (or a `### heading` inside it) starts and ends; -1 when absent. */
const span = (text: string, heading: string, from = 0, until = text.length): { start: number; end: number } => {
  const level = heading.slice(0, heading.indexOf(" "))
  const start = text.indexOf(`${heading}\n`, from)
  if (start === -1 || start >= until) return { start: -1, end: -1 }
  const next = [`\n${level} `, ...(level === "###" ? ["\n## "] : [])]
    .map((marker) => text.indexOf(marker, start + heading.length))
    .filter((index) => index !== -1 && index < until)
  return { start, end: next.length === 0 ? until : Math.min(...next) + 1 }
}

/** Replaces the whole `## heading` section with `section` (which starts with that heading), or appends it; only with `--write`. */
export const recordSection = (heading: string, section: string): void => {
  // The one place that decides: a bench that forgot to ask still cannot rewrite the tracked file.
  if (!writeRequested()) return
  const text = read()
  const { start, end } = span(text, heading)
  const body = `${section.trimEnd()}\n`
  const next = start === -1 ? `${text.trimEnd()}\n\n${body}` : `${text.slice(0, start)}${body}\n${text.slice(end)}`
  writeFileSync(file, `${next.trimEnd()}\n`)
  console.log(`wrote the ${heading.replace(/^#+ /, "")} section of ${file.pathname}`)
}

/**
 * Records a measurement inside a section written by hand: the text goes between `<!-- bench:id -->` and
 * `<!-- /bench:id -->`, which are added at the end of `subsection` (or of the section) the first time. Only with
 * `--write`.
 */
export const recordMeasurement = (options: {
  readonly id: string
  readonly section: string
  readonly subsection?: string
  readonly text: string
}): void => {
  if (!writeRequested()) return
  const text = read()
  const open = `<!-- bench:${options.id} -->`
  const close = `<!-- /bench:${options.id} -->`
  const block = `${open}\n${options.text.trim()}\n${close}\n`
  const at = text.indexOf(open)
  let next: string
  if (at !== -1) {
    const end = text.indexOf(close, at)
    next = `${text.slice(0, at)}${block}${end === -1 ? "" : text.slice(end + close.length + 1)}`
  } else {
    const section = span(text, options.section)
    // Without a subsection: the end of the section's introduction, before its first `###`.
    const firstSubsection = section.start === -1 ? -1 : text.indexOf("\n### ", section.start)
    const target =
      section.start === -1
        ? section
        : options.subsection === undefined
          ? {
              start: section.start,
              end: firstSubsection === -1 || firstSubsection > section.end ? section.end : firstSubsection + 1,
            }
          : span(text, options.subsection, section.start, section.end)
    if (target.start === -1) {
      const heading = section.start === -1 ? `${options.section}\n\n` : ""
      next = `${text.trimEnd()}\n\n${heading}${block}`
    } else {
      const before = text.slice(0, target.end).trimEnd()
      next = `${before}\n\n${block}\n${text.slice(target.end)}`
    }
  }
  writeFileSync(file, `${next.trimEnd()}\n`)
  console.log(`recorded ${options.id} in ${file.pathname}`)
}
