import { execFileSync } from "node:child_process"
import { existsSync, realpathSync } from "node:fs"
import { delimiter, dirname, join } from "node:path"

export interface NodeRuntime {
  readonly label: string
  /** The `node` binary. */
  readonly node: string
  /** PATH with this node first, so `npx` and the bins it starts (`#!/usr/bin/env node`) run on it. */
  readonly path: string
}

const candidates = (): ReadonlyArray<string> =>
  [...(process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, "node")), "/usr/bin/node", "/usr/local/bin/node"]
    .filter((file) => existsSync(file))
    .map((file) => realpathSync(file))

const versionOf = (node: string): string => execFileSync(node, ["--version"], { encoding: "utf8" }).trim()

const runtime = (node: string): NodeRuntime => ({
  label: `Node ${versionOf(node)}`,
  node,
  path: [dirname(node), ...(process.env.PATH ?? "").split(delimiter)].join(delimiter),
})

/** The Node running the tests (the toolchain's, >= 22.12). */
export const currentNode = (): NodeRuntime => runtime(process.execPath)

/** The machine's Node 20 (>= 20.19): `HAYMAKER_NODE20`, or the first on PATH and the usual places. */
export const node20 = (): NodeRuntime => {
  const given = process.env.HAYMAKER_NODE20
  const found = [...(given === undefined ? [] : [given]), ...candidates()].find((node) => {
    const [major, minor] = versionOf(node).slice(1).split(".").map(Number)
    return major === 20 && (minor ?? 0) >= 19
  })
  if (found === undefined) {
    throw new Error("No Node 20.19+ found on PATH, /usr/bin or /usr/local/bin: set HAYMAKER_NODE20 to its binary")
  }
  return runtime(found)
}

/** npm's CLI script (it runs on whichever node starts it). */
export const npmCli = (): string => {
  const npm = (process.env.PATH ?? "")
    .split(delimiter)
    .map((dir) => join(dir, "npm"))
    .concat(["/usr/bin/npm", "/usr/local/bin/npm"])
    .find((file) => existsSync(file))
  if (npm === undefined) throw new Error("npm not found on PATH")
  return realpathSync(npm)
}
