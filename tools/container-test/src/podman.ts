import { spawn } from "node:child_process"

export interface PodmanResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs `podman <args>` and resolves with its output; rejects when it fails, unless `allowFailure`. Uses the
 * configuration `run.sh` exported (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF). Containers always run detached here:
 * an attached `podman run` waits out conmon's exit timeout on these hosts.
 */
export const podman = (args: ReadonlyArray<string>, options: { readonly allowFailure?: boolean } = {}) =>
  new Promise<PodmanResult>((resolve, reject) => {
    const child = spawn("podman", args, { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8")
    })
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8")
    })
    child.once("error", reject)
    child.once("close", (code) => {
      if (code === 0 || options.allowFailure === true) resolve({ code, stdout, stderr })
      else reject(new Error(`podman ${args.join(" ")} failed (${code}):\n${stderr}${stdout}`))
    })
  })

export interface ContainerState {
  readonly status: string
  readonly exitCode: number
  readonly running: boolean
}

export const containerState = async (name: string): Promise<ContainerState> => {
  const { stdout } = await podman(["inspect", "--format", "{{json .State}}", name])
  const state = JSON.parse(stdout) as { Status: string; ExitCode: number; Running: boolean }
  return { status: state.Status, exitCode: state.ExitCode, running: state.Running }
}

/** Waits until the container is no longer running (polling its state: `podman wait` is slow on these hosts). */
export const waitForExit = async (name: string, timeoutMs: number): Promise<ContainerState> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const state = await containerState(name)
    if (!state.running) return state
    if (Date.now() > deadline) throw new Error(`${name} still runs after ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/** What the container wrote to standard output and to standard error (podman's k8s-file log keeps them apart). */
export const containerLogs = async (name: string): Promise<{ readonly stdout: string; readonly stderr: string }> => {
  const { stdout, stderr } = await podman(["logs", name])
  return { stdout, stderr }
}
