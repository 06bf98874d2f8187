// `./dev bench` prints; only `--write` changes the tracked BENCHMARKS.md, with the same flag in every package. The
// writer modules decide it themselves (they do nothing without `--write`), and no bench writes the file another way.
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { writeSection } from "../../../packages/adapters-servicebus/bench/benchmarksFile.ts"
import { recordMeasurement, recordSection, writeRequested } from "../../../scripts/benchmarks.ts"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const benchmarksFile = join(root, "BENCHMARKS.md")
// The modules that write BENCHMARKS.md; every bench goes through them.
const writers = ["scripts/benchmarks.ts", "packages/adapters-servicebus/bench/benchmarksFile.ts"]

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

describe("benchmarks write BENCHMARKS.md only when asked (--write)", () => {
  it("without --write, the writers leave the file as it is", () => {
    expect(writeRequested()).toBe(false)
    const before = readFileSync(benchmarksFile, "utf8")
    recordSection("## @haymaker/domain", "## @haymaker/domain\n\nnot a measurement\n")
    recordMeasurement({ id: "readme-test/none", section: "## @haymaker/domain", text: "not a measurement" })
    writeSection("not a measurement", { title: "### nowhere", body: "not a measurement" }, ["### nowhere"])
    expect(readFileSync(benchmarksFile, "utf8")).toBe(before)
    expect(writeRequested(["node", "bench.ts", "--write"])).toBe(true)
  })

  it("no bench writes the file but through the writers, and the flag is --write everywhere", () => {
    const files = benchFiles()
    expect(files.length).toBeGreaterThan(5)
    const problems: Array<string> = []
    for (const file of files.filter((file) => !writers.includes(file))) {
      const text = readFileSync(join(root, file), "utf8")
      if (/BENCHMARKS\.md/.test(text) && /\bwriteFile(Sync)?\(/.test(text) && !/scripts\/benchmarks\.ts/.test(text)) {
        problems.push(`${file}: writes BENCHMARKS.md itself`)
      }
      if (/--no-write|"--save"|"--record"/.test(text)) problems.push(`${file}: another flag than --write`)
    }
    expect(problems).toEqual([])
  })
})
