import { execFileSync } from "node:child_process"
import { mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const packageDirectory = fileURLToPath(new URL("..", import.meta.url))

/**
 * The emulator's package as it was at git revision `ref` (its `src`, `config` and package.json, with today's
 * dependencies), in a temporary directory: a bench compares it with the working tree in one run, interleaved, so
 * that a change is measured against what it changed under the same load. Returns the package directory.
 */
export const emulatorAt = (ref: string): string => {
  const root = mkdtempSync(join(tmpdir(), "servicebus-emulator-at-"))
  process.once("exit", () => rmSync(root, { recursive: true, force: true }))
  const paths = ["src", "config", "package.json"]
  const archive = execFileSync("git", ["archive", "--format=tar", ref, ...paths], { cwd: packageDirectory })
  execFileSync("tar", ["-x", "-C", root], { input: archive })
  symlinkSync(realpathSync(join(packageDirectory, "node_modules")), join(root, "node_modules"))
  return root
}

/** `startEmulator` of the emulator at `ref` (see `emulatorAt`). */
export const startEmulatorAt = async (ref: string): Promise<typeof import("../src/index.ts").startEmulator> => {
  const module = (await import(join(emulatorAt(ref), "src", "index.ts"))) as typeof import("../src/index.ts")
  return module.startEmulator
}
