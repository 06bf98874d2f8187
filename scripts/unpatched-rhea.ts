import { readFileSync } from "node:fs"
import { createRequire, Module } from "node:module"
import { dirname, join } from "node:path"

/**
 * Test-only: makes this process load rhea as the registry ships it, without this repository's patch
 * (patches/rhea@3.0.5.patch), so a test can prove our code settles correctly on its own (people installing our
 * packages get the registry's rhea). Call it before anything loads rhea, from a module the test file imports first:
 * it compiles each copy's unpatched `lib/session.js` into Node's module cache under its real path, so rhea's
 * `require("./session.js")` finds it there. Vitest runs each test file in a fresh worker, so only the file importing
 * that module sees the unpatched copies.
 */

const patched = "if ((delivery !== first && !message.are_outcomes_equivalent(last.state, delivery.state))"
const original = "if ((first !== last && !message.are_outcomes_equivalent(last.state, delivery.state))"

interface CompilableModule extends Module {
  _compile(source: string, filename: string): void
}
const nodeModulePaths = (Module as unknown as { _nodeModulePaths(from: string): Array<string> })._nodeModulePaths
const require = createRequire(import.meta.url)

/** `id` as a module in `from` (a file path) resolves it. */
export const resolveFrom = (from: string, id: string): string => createRequire(from).resolve(id)

/** The rhea `@azure/service-bus` loads (→ @azure/core-amqp → rhea-promise → rhea), as resolved from the file `from`. */
export const sdkRhea = (from: string): string =>
  resolveFrom(
    resolveFrom(resolveFrom(resolveFrom(from, "@azure/service-bus"), "@azure/core-amqp"), "rhea-promise"),
    "rhea",
  )

/** Loads the rhea copies whose main files are `rheaMains` unpatched; returns the `session.js` files it replaced. */
export const loadUnpatchedRhea = (rheaMains: ReadonlyArray<string>): ReadonlyArray<string> =>
  [...new Set(rheaMains)].map((main) => {
    const sessionPath = join(dirname(main), "session.js")
    if (require.cache[main] !== undefined || require.cache[sessionPath] !== undefined) {
      throw new Error(`rhea (${main}) was loaded before the unpatched copy: import the module loading it first`)
    }
    const source = readFileSync(sessionPath, "utf8")
    if (!source.includes(patched)) {
      throw new Error(`${sessionPath} does not hold the patched line this toggle undoes; update it with the patch`)
    }
    const session = new Module(sessionPath) as CompilableModule
    session.filename = sessionPath
    session.paths = nodeModulePaths(dirname(sessionPath))
    session._compile(source.replace(patched, original), sessionPath)
    session.loaded = true
    require.cache[sessionPath] = session
    return sessionPath
  })
