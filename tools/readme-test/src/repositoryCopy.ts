import { execFileSync } from "node:child_process"
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"

/**
 * A copy of the repository as a clone has it (tracked files and new ones not ignored, as they are in the working
 * tree), in a fresh temporary folder. The installed dependencies and the provisioned toolchain are linked, not
 * copied: they are what `./dev` would install from the lockfile, and installing them again takes minutes.
 */
export const copyRepository = (root: string, label: string): string => {
  // The copy's `./dev` would otherwise install again, into the linked node_modules of the repository itself.
  const stamp = join(root, "node_modules", ".hm-lock-stamp")
  if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== readFileSync(join(root, "pnpm-lock.yaml"), "utf8")) {
    throw new Error(
      "the dependencies are not installed from this pnpm-lock.yaml: run any ./dev command (it installs them) first",
    )
  }
  const copy = mkdtempSync(join(tmpdir(), `haymaker-readme-${label}-`))
  try {
    fill(root, copy)
  } catch (error) {
    rmSync(copy, { recursive: true, force: true })
    throw error
  }
  return copy
}

const fill = (root: string, copy: string): void => {
  const listed = execFileSync("git", ["-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  })
  for (const file of listed.split("\0")) {
    // Deleted files are still listed; a symbolic link to a folder (a worktree's `.toolchain`) is linked below.
    if (file === "" || !existsSync(join(root, file)) || statSync(join(root, file)).isDirectory()) continue
    mkdirSync(dirname(join(copy, file)), { recursive: true })
    copyFileSync(join(root, file), join(copy, file))
  }
  const link = (path: string) => {
    if (existsSync(join(root, path))) symlinkSync(realpathSync(join(root, path)), join(copy, path))
  }
  link("node_modules")
  link(".toolchain")
  for (const group of ["packages", "tools"]) {
    for (const name of readdirSync(join(root, group))) link(join(group, name, "node_modules"))
  }
}
