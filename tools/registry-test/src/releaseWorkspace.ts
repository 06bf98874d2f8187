import { execFileSync } from "node:child_process"
import { cp, mkdir, readdir, readFile, realpath, symlink, writeFile } from "node:fs/promises"
import { dirname, join, relative } from "node:path"
import { run } from "./run.ts"

export interface ReleasedPackage {
  readonly name: string
  readonly version: string
  readonly directory: string
}

/**
 * Links a package's installed dependencies into its copy, except the workspace's own packages, which link to their
 * copies: publishing replaces `workspace:*` with the version it finds there, the one the release just set.
 */
const linkDependencies = async (root: string, targetRoot: string, directory: string): Promise<void> => {
  const modules = join(root, directory, "node_modules")
  const target = join(targetRoot, directory)
  const entries = await readdir(modules).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return []
    throw error
  })
  for (const entry of entries) {
    const names = entry.startsWith("@")
      ? (await readdir(join(modules, entry))).map((name) => `${entry}/${name}`)
      : [entry]
    for (const name of names) {
      const linked = name.startsWith("@haymaker/")
        ? join(targetRoot, relative(root, await realpath(join(modules, name))))
        : join(modules, name)
      await mkdir(dirname(join(target, "node_modules", name)), { recursive: true })
      await symlink(linked, join(target, "node_modules", name), "dir")
    }
  }
}

/**
 * A copy of the repository as it is now (tracked and untracked files, not ignored ones) in `target`, with the
 * installed node_modules linked in, committed to a fresh git repository: the release commands can change versions,
 * changelogs and tags there without touching the working tree.
 */
export const copyWorkspace = async (root: string, target: string): Promise<void> => {
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: root,
    encoding: "utf8",
  })
    .split("\0")
    .filter((file) => file !== "")
  for (const file of files) {
    await mkdir(dirname(join(target, file)), { recursive: true })
    // A file deleted in the working tree but still in the index is simply not copied.
    await cp(join(root, file), join(target, file)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error
    })
  }
  await symlink(join(root, "node_modules"), join(target, "node_modules"), "dir")
  for (const group of ["packages", "tools"]) {
    for (const name of await readdir(join(root, group))) await linkDependencies(root, target, join(group, name))
  }
  const git = (...args: Array<string>) => execFileSync("git", args, { cwd: target, stdio: "ignore" })
  git("init", "--quiet", "--initial-branch=main")
  git("add", "--all")
  git("-c", "user.name=release", "-c", "user.email=release@localhost", "commit", "--quiet", "--message", "release")
}

/** The publishable packages of the workspace copy with the versions they now have. */
export const publishablePackages = async (workspace: string): Promise<ReadonlyArray<ReleasedPackage>> => {
  const released: Array<ReleasedPackage> = []
  for (const name of await readdir(join(workspace, "packages"))) {
    const directory = join(workspace, "packages", name)
    const manifest = JSON.parse(await readFile(join(directory, "package.json"), "utf8")) as {
      name: string
      version: string
      private?: boolean
    }
    if (manifest.private !== true) released.push({ name: manifest.name, version: manifest.version, directory })
  }
  return released
}

/** The release commands of CONTRIBUTING.md, as a maintainer runs them: version the packages, then publish them. */
export const release = async (workspace: string, npmrc: string, env: NodeJS.ProcessEnv): Promise<string> => {
  await writeFile(join(workspace, ".npmrc"), npmrc)
  const version = await run("pnpm", ["run", "version-packages"], { cwd: workspace, env })
  const publish = await run("pnpm", ["run", "release"], { cwd: workspace, env, timeoutMs: 600_000 })
  return `${version.stdout}${version.stderr}${publish.stdout}${publish.stderr}`
}
