import { spawn } from "node:child_process"
import { once } from "node:events"
import { readFileSync } from "node:fs"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"

const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url))

export interface EmulatorProcess {
  readonly connectionString: string
  readonly httpPort: number
  readonly pid: number
  close(): Promise<void>
}

/** The emulator's CLI in a child process on free ports, as users run it; `args` come after the config. */
export const startEmulatorProcess = async (
  configPath: string,
  args: ReadonlyArray<string> = [],
): Promise<EmulatorProcess> => {
  const child = spawn(
    process.execPath,
    [cli, "--config", configPath, "--port", "0", "--http-port", "0", "--log-level", "error", ...args],
    { stdio: ["ignore", "pipe", "inherit"] },
  )
  const lines = createInterface({ input: child.stdout })
  for await (const line of lines) {
    const ready = JSON.parse(line) as { event?: string; connectionString: string; httpPort: number }
    if (ready.event !== "ready") continue
    return {
      connectionString: ready.connectionString,
      httpPort: ready.httpPort,
      pid: child.pid as number,
      close: async () => {
        child.kill("SIGTERM")
        if (child.exitCode === null) await once(child, "exit")
      },
    }
  }
  throw new Error("the emulator exited before it was ready")
}

/** CPU seconds a process has used (Linux: user + system time from /proc, in clock ticks of 1/100 s). */
export const cpuSeconds = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? []
  return (Number(fields[11]) + Number(fields[12])) / 100
}
