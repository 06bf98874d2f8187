import { readFileSync } from "node:fs"

/**
 * What a shell block's info string says about it (```` ```sh runnable ````, ```` ```sh azure ````, …). Every shell
 * block in the documentation carries exactly one of these words after its language.
 */
export const blockKinds = {
  runnable: "run by the README test as printed, in a copy of the repository with only the machine's Node on PATH",
  ci: "run by .ci/run as printed (the README test checks that .ci/run holds every line)",
  azure: "needs an Azure subscription and the az CLI: not run here",
  system: "changes the machine (Debian packages, as root): .ci/run installs the same packages",
  release: "publishes to the npm registry: the registry test runs the same scripts against a local verdaccio",
} as const

export type BlockKind = keyof typeof blockKinds

export interface CodeBlock {
  readonly file: string
  /** 1-based line of the opening fence. */
  readonly line: number
  readonly language: string
  /** The words of the info string after the language, `key="value"` attributes excluded. */
  readonly words: ReadonlyArray<string>
  readonly attributes: Readonly<Record<string, string>>
  /** The block's text, its fence's indentation removed. */
  readonly code: string
}

export const shellLanguages = new Set(["sh", "bash", "shell", "console", "zsh"])

const fence = /^(\s*)(`{3,}|~{3,})(.*)$/

/** The fenced code blocks of a Markdown file, in order. */
export const parseCodeBlocks = (file: string, text: string): Array<CodeBlock> => {
  const blocks: Array<CodeBlock> = []
  const lines = text.split("\n")
  for (let index = 0; index < lines.length; index++) {
    const open = fence.exec(lines[index] as string)
    if (open === null) continue
    const [, indent = "", marker = "", info = ""] = open
    const body: Array<string> = []
    let end = index + 1
    for (; end < lines.length; end++) {
      const line = lines[end] as string
      const close = fence.exec(line)
      if (close?.[2]?.startsWith(marker) && (close[3] ?? "").trim() === "") break
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line)
    }
    const attributes: Record<string, string> = {}
    const words: Array<string> = []
    const rest = info.trim()
    for (const match of rest.matchAll(/(\w[\w-]*)(?:="([^"]*)")?/g)) {
      if (match[2] === undefined) words.push(match[1] as string)
      else attributes[match[1] as string] = match[2]
    }
    const [language = "", ...others] = words
    blocks.push({ file, line: index + 1, language, words: others, attributes, code: `${body.join("\n")}\n` })
    index = end
  }
  return blocks
}

export const readCodeBlocks = (root: string, file: string): Array<CodeBlock> =>
  parseCodeBlocks(file, readFileSync(`${root}/${file}`, "utf8"))

/** The kinds a block names (a well-marked block names exactly one). */
export const kindsOf = (block: CodeBlock): Array<BlockKind> =>
  block.words.filter((word): word is BlockKind => word in blockKinds)

/** The commands of a block: its lines without comments and blank lines, continuation lines joined. */
export const commandsOf = (block: CodeBlock): Array<string> =>
  block.code
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .map((line) => line.replace(/(^|\s)#.*$/, "").trim())
    .filter((line) => line !== "")
