// `./dev bench` prints; only `--write` changes the tracked BENCHMARKS.md, with the same flag in every package. The
// benches take minutes each, so this reads their sources: every call that records a result sits under
// `if (writeRequested() …)` (scripts/benchmarks.ts), and nothing else writes the file.
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("../../../", import.meta.url))
// The modules that write BENCHMARKS.md; everything else goes through them.
const writers = ["scripts/benchmarks.ts", "packages/adapters-servicebus/bench/benchmarksFile.ts"]
const recordingCalls = /\b(recordSection|recordMeasurement|writeSection)\(/

const benchFiles = (): Array<string> =>
  ["packages", "tools"].flatMap((group) =>
    readdirSync(join(root, group)).flatMap((name) => {
      const folder = join(group, name, "bench")
      return existsSync(join(root, folder))
        ? readdirSync(join(root, folder))
            .filter((file) => file.endsWith(".ts"))
            .map((file) => join(folder, file))
        : []
    }),
  )

/** The lines that record a result outside an `if (writeRequested())` (a one-line `if` or a block). */
const unguardedRecordings = (text: string): Array<number> => {
  const found: Array<number> = []
  let depth = 0
  const guards: Array<number> = []
  text.split("\n").forEach((line, index) => {
    const guardedHere = line.includes("if (writeRequested()")
    if (recordingCalls.test(line) && !guardedHere && guards.length === 0 && !/^\s*(import|export)\b/.test(line)) {
      found.push(index + 1)
    }
    for (const char of line) {
      if (char === "{") {
        depth++
        if (guardedHere && guards.length === 0) guards.push(depth)
      } else if (char === "}") {
        if (guards.at(-1) === depth) guards.pop()
        depth--
      }
    }
  })
  return found
}

describe("benchmarks write BENCHMARKS.md only when asked (--write)", () => {
  it("every recording is under writeRequested(), and only the writer modules write the file", () => {
    const files = benchFiles()
    expect(files.length).toBeGreaterThan(5)
    const problems: Array<string> = []
    for (const file of files) {
      const text = readFileSync(join(root, file), "utf8")
      if (writers.includes(file)) continue
      for (const line of unguardedRecordings(text)) problems.push(`${file}:${line}: records without --write`)
      if (/BENCHMARKS\.md/.test(text) && /write(File|FileSync)\([^)]*BENCHMARKS/.test(text)) {
        problems.push(`${file}: writes BENCHMARKS.md itself`)
      }
      if (text.includes("--no-write")) problems.push(`${file}: --no-write (the flag is --write)`)
    }
    expect(problems).toEqual([])
  })

  it("the flag is --write, read in one place", () => {
    const text = readFileSync(join(root, "scripts/benchmarks.ts"), "utf8")
    expect(text).toContain('argv.includes("--write")')
    // A check that finds nothing would pass anything: it does find the unguarded call in a sample.
    expect(
      unguardedRecordings('recordSection("## x", body)\nif (writeRequested()) recordSection("## x", body)'),
    ).toEqual([1])
    expect(
      unguardedRecordings('if (writeRequested()) {\n  recordMeasurement("id", text)\n}\nrecordMeasurement("id", text)'),
    ).toEqual([4])
  })
})
