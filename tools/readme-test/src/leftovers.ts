import { readdirSync, readlinkSync } from "node:fs"

/**
 * Processes working in `directory` (Linux: their current directory is in it): what the blocks run there started and
 * left behind, such as a local stack nobody stopped.
 */
export const processesIn = (directory: string): Array<number> => {
  const found: Array<number> = []
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`)
      if (cwd === directory || cwd.startsWith(`${directory}/`)) found.push(Number(entry))
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found
}

/** Ends processes left in `directory` (they were started by the blocks this test ran there). */
export const stopLeftovers = (directory: string): Array<number> => {
  const left = processesIn(directory)
  for (const pid of left) {
    try {
      process.kill(pid, "SIGKILL")
    } catch {
      // Gone meanwhile.
    }
  }
  return left
}
