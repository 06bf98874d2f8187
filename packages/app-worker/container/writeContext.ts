// Writes the worker image's build context from this checkout: the worker and the workspace packages it depends on,
// packed as they are published (dist/, publishConfig, versions instead of workspace: ranges), and an npm project
// that depends on the packed worker. Its overrides point the worker's own packages at the packed copies, so npm never
// looks for an @haymaker name in a registry, and the tree is the one `npm install @haymaker/app-worker` gives.
// Usage: node packages/app-worker/container/writeContext.ts <directory>
import { execFile, execFileSync } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { basename, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

interface Manifest {
  readonly name: string
  readonly dependencies?: Record<string, string>
}

const packagesDir = resolve(fileURLToPath(new URL("../..", import.meta.url)))
const target = resolve(process.argv[2] ?? "")
if (process.argv[2] === undefined) throw new Error("usage: writeContext.ts <directory>")

const manifests = new Map<string, { readonly directory: string; readonly manifest: Manifest }>()
for (const name of readdirSync(packagesDir)) {
  const directory = join(packagesDir, name)
  const manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as Manifest
  manifests.set(manifest.name, { directory, manifest })
}

/** The worker and, transitively, the workspace packages among its (non-optional, non-dev) dependencies. */
const closure = (name: string, seen = new Set<string>()): Set<string> => {
  seen.add(name)
  for (const [dependency, range] of Object.entries(manifests.get(name)?.manifest.dependencies ?? {})) {
    if (range.startsWith("workspace:") && !seen.has(dependency)) closure(dependency, seen)
  }
  return seen
}

const worker = "@haymaker/app-worker"
const packed = join(target, "packages")
mkdirSync(packed, { recursive: true })

/** `pnpm pack` runs prepack (the build) and applies publishConfig, as a release does; prints the tarball's path. */
const pack = (name: string): Promise<readonly [string, string]> =>
  new Promise((resolve, reject) => {
    const entry = manifests.get(name)
    if (entry === undefined) return reject(new Error(`${name} is not a package of this workspace`))
    execFile("pnpm", ["pack", "--pack-destination", packed], { cwd: entry.directory }, (error, stdout, stderr) => {
      const tarball = stdout.trim().split("\n").at(-1)?.trim() ?? ""
      if (error !== null || !tarball.endsWith(".tgz")) {
        return reject(new Error(`pnpm pack in ${entry.directory} failed:\n${stdout}${stderr}`, { cause: error }))
      }
      resolve([name, `file:packages/${basename(tarball)}`])
    })
  })

// The packages build independently (each type-checks against the others' sources), so they are packed together.
const tarballs = new Map(await Promise.all([...closure(worker)].map(pack)))

const project = {
  name: "haymaker-worker-image",
  private: true,
  description: "The HayMaker worker as installed in its container image",
  dependencies: { [worker]: tarballs.get(worker) },
  overrides: Object.fromEntries([...tarballs].filter(([name]) => name !== worker)),
}
writeFileSync(join(target, "package.json"), `${JSON.stringify(project, null, 2)}\n`)
// npm in the build stage uses this machine's registry, and trusts the extra authority Node trusts here (a
// TLS-inspecting proxy): both stay in the install stage.
const registry = execFileSync("npm", ["config", "get", "registry"], { encoding: "utf8" }).trim()
writeFileSync(join(target, ".npmrc"), `registry=${registry}\n`)
const extraCa = process.env.NODE_EXTRA_CA_CERTS
if (extraCa !== undefined && extraCa !== "" && existsSync(extraCa)) copyFileSync(extraCa, join(target, "build-ca.pem"))
console.log(`wrote ${target}: ${[...tarballs.keys()].join(", ")}`)
