// Every shell block of the documentation (the root README and CONTRIBUTING, docs/*.md, every package's and tool's
// README) says whether it runs here; the runnable ones run as printed, file by file, each file in a fresh copy of the
// repository with only the machine's Node on PATH (as on a fresh clone: `./dev` provisions the toolchain).
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { blockKinds, type CodeBlock, commandsOf, kindsOf, readCodeBlocks, shellLanguages } from "../src/codeBlocks.ts"
import { processesIn, stopLeftovers } from "../src/leftovers.ts"
import { copyRepository } from "../src/repositoryCopy.ts"
import { readerEnvironment, ShellSession } from "../src/shellSession.ts"

const root = fileURLToPath(new URL("../../../", import.meta.url)).replace(/\/$/, "")
const BLOCK_TIMEOUT_MS = 420_000

const documents = (): Array<string> => {
  const inFolder = (folder: string, pick: (name: string) => string | undefined) =>
    readdirSync(join(root, folder))
      .map(pick)
      .filter((file): file is string => file !== undefined && existsSync(join(root, folder, file)))
      .map((file) => `${folder}/${file}`)
  return [
    "README.md",
    "CONTRIBUTING.md",
    ...inFolder("docs", (name) => (name.endsWith(".md") ? name : undefined)),
    ...inFolder("packages", (name) => `${name}/README.md`),
    ...inFolder("tools", (name) => `${name}/README.md`),
  ]
}

const shellBlocks = (): Array<CodeBlock> =>
  documents().flatMap((file) => readCodeBlocks(root, file).filter((block) => shellLanguages.has(block.language)))

const where = (block: CodeBlock) => `${block.file}:${block.line}`
const tail = (text: string) => (text.length > 4_000 ? `…${text.slice(-4_000)}` : text)

describe("the documentation's shell blocks", () => {
  it("each says whether it runs here (one of the kinds after its language)", () => {
    const blocks = shellBlocks()
    expect(blocks.length).toBeGreaterThan(10)
    const unmarked = blocks
      .filter((block) => kindsOf(block).length !== 1)
      .map((block) => `${where(block)}: \`\`\`${block.language} ${block.words.join(" ")}`)
    expect(unmarked, `mark each with one of: ${Object.keys(blockKinds).join(", ")}`).toEqual([])
  })

  it("the blocks marked ci are what .ci/run runs (./dev passes other commands to pnpm)", () => {
    const ci = readFileSync(join(root, ".ci/run"), "utf8")
      .split("\n")
      .map((line) => line.trim())
    const blocks = shellBlocks().filter((block) => kindsOf(block)[0] === "ci")
    expect(blocks.length).toBeGreaterThan(0)
    for (const block of blocks) {
      for (const command of commandsOf(block)) {
        const asPnpm = command.replace(/^\.\/dev /, "pnpm ")
        expect(ci.includes(command) || ci.includes(asPnpm), `${where(block)}: ${command}`).toBe(true)
      }
    }
  })

  const withRunnable = documents().filter((file) =>
    readCodeBlocks(root, file).some((block) => shellLanguages.has(block.language) && block.words.includes("runnable")),
  )

  // Files run side by side (each in its own copy, on free ports): their blocks mostly wait on processes starting.
  for (const file of withRunnable) {
    it.concurrent(`${file}: the runnable blocks run as printed`, async () => {
      const copy = copyRepository(root, file.replaceAll("/", "-").replace(/\.md$/, ""))
      const session = new ShellSession(copy, readerEnvironment())
      try {
        const blocks = readCodeBlocks(copy, file).filter(
          (block) => shellLanguages.has(block.language) && block.words.includes("runnable"),
        )
        const stopBackground = async () => {
          for (const stopped of await session.stopBackground()) {
            expect(
              stopped.code,
              `${where(stopped.block)} did not stop cleanly on Ctrl-C:\n${tail(stopped.output)}`,
            ).toBe(0)
          }
        }
        for (const block of blocks) {
          // after-ctrl-c: the reader stopped what runs in the background first.
          if (block.words.includes("after-ctrl-c")) await stopBackground()
          if (block.words.includes("background")) {
            const ready = block.attributes.ready
            expect(ready, `${where(block)}: a background block names its ready="…" text`).toBeDefined()
            const ended = await session.startBackground(block, ready as string, BLOCK_TIMEOUT_MS)
            expect(ended, `${where(block)} did not get ready:\n${tail(ended?.output ?? "")}`).toBeUndefined()
          } else {
            // exit="N": a block whose point is a failure (a reproduction of a bug) says which exit code it ends with.
            const expected = Number(block.attributes.exit ?? 0)
            const result = await session.run(block, BLOCK_TIMEOUT_MS)
            expect(result.code, `${where(block)} failed:\n${block.code}\n${tail(result.output)}`).toBe(expected)
          }
        }
        await stopBackground()
        // What the blocks started, they stop (a local stack left up would hold its ports).
        expect(processesIn(copy), `${file} left processes running`).toEqual([])
      } finally {
        await session.stopBackground()
        stopLeftovers(copy)
        rmSync(copy, { recursive: true, force: true })
      }
    })
  }
})
