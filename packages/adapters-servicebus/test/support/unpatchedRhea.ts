import { readFileSync } from "node:fs"
import { createRequire, Module } from "node:module"
import { dirname, join } from "node:path"

/**
 * Test-only: makes this process load rhea as the registry ships it, without this repository's patch
 * (patches/rhea@3.0.5.patch), to prove the Service Bus adapter settles correctly on its own. Import it first, before
 * anything loads rhea: it compiles the unpatched `lib/session.js` into Node's module cache under the real path, so
 * rhea's `require("./session.js")` finds it there. Vitest runs each test file in a fresh worker, so only the file
 * importing this sees the unpatched copy.
 */

const patched = "if ((delivery !== first && !message.are_outcomes_equivalent(last.state, delivery.state))"
const original = "if ((first !== last && !message.are_outcomes_equivalent(last.state, delivery.state))"

const require = createRequire(import.meta.url)
const resolveFrom = (from: string, id: string): string => createRequire(from).resolve(id)

// rhea as the SDK loads it (@azure/service-bus → @azure/core-amqp → rhea-promise → rhea), and as the emulator does.
const sdkRhea = resolveFrom(
  resolveFrom(resolveFrom(require.resolve("@azure/service-bus"), "@azure/core-amqp"), "rhea-promise"),
  "rhea",
)
const emulatorRhea = resolveFrom(require.resolve("@haymaker/servicebus-emulator"), "rhea")

interface CompilableModule extends Module {
  _compile(source: string, filename: string): void
}
const nodeModulePaths = (Module as unknown as { _nodeModulePaths(from: string): Array<string> })._nodeModulePaths

/** The rhea `session.js` files this process now runs unpatched. */
export const unpatchedSessions: ReadonlyArray<string> = [...new Set([sdkRhea, emulatorRhea])].map((main) => {
  const sessionPath = join(dirname(main), "session.js")
  if (require.cache[main] !== undefined || require.cache[sessionPath] !== undefined) {
    throw new Error(`rhea (${main}) was loaded before test/support/unpatchedRhea.ts: import it first`)
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
