import { chmod, writeFile } from "node:fs/promises"
import { createServer } from "node:net"
import { join } from "node:path"
import { containerState, podman, waitForExit } from "./podman.ts"

export interface WorkerContainerOptions {
  readonly image: string
  readonly name: string
  /** The worker's settings, as an operator gives them (written to an env file: secrets stay out of process lists). */
  readonly env: Readonly<Record<string, string>>
  /** Host files mounted read-only at the same path (a CA to trust). */
  readonly mounts?: ReadonlyArray<string>
  /** Holds the env file. */
  readonly directory: string
}

export interface WorkerContainer {
  readonly name: string
  /** `http://127.0.0.1:<port>`: its /metrics, /healthz and /readyz (host network). */
  readonly url: string
  /** The worker's counter, or 0 before it answers (a restarted container starts from 0). */
  readonly counter: (name: string) => Promise<number>
  readonly ready: () => Promise<boolean>
}

/** A free TCP port on 127.0.0.1 for the worker's HTTP server (host network: the containers share the host's ports). */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject()))
    })
  })

const fetchText = async (url: string): Promise<string | undefined> => {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) })
    return response.ok ? await response.text() : undefined
  } catch {
    return undefined
  }
}

/** The sum of a Prometheus counter's samples (all label sets) in a /metrics text. */
export const counterValue = (text: string, name: string): number =>
  text
    .split("\n")
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0)

/**
 * Starts the worker image detached on the host network (its peers listen on the host's 127.0.0.1), with podman's
 * healthcheck timer off (it needs systemd; `podman healthcheck run` runs the image's check on demand).
 */
export const runWorkerContainer = async (options: WorkerContainerOptions): Promise<WorkerContainer> => {
  const port = await freePort()
  const envFile = join(options.directory, `${options.name}.env`)
  const env = { ...options.env, HAYMAKER_HTTP_PORT: String(port) }
  await writeFile(
    envFile,
    `${Object.entries(env)
      .map(([key, value]) => `${key}=${value}`)
      .join("\n")}\n`,
  )
  await chmod(envFile, 0o600)
  await podman([
    "run",
    "--detach",
    "--name",
    options.name,
    "--network",
    "host",
    "--health-interval",
    "disable",
    "--env-file",
    envFile,
    ...(options.mounts ?? []).flatMap((path) => ["--volume", `${path}:${path}:ro`]),
    options.image,
  ])
  const url = `http://127.0.0.1:${port}`
  return {
    name: options.name,
    url,
    counter: async (name) => counterValue((await fetchText(`${url}/metrics`)) ?? "", name),
    ready: async () => (await fetchText(`${url}/readyz`)) !== undefined,
  }
}

/** Polls until `check` holds; fails with `what` after `timeoutMs`. */
export const until = async (what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 250) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

/** Waits until the worker in the container receives (its /readyz answers 200), failing early if it exits. */
export const waitReady = async (worker: WorkerContainer, timeoutMs = 120_000) =>
  until(
    `${worker.name} to be ready`,
    async () => {
      if (await worker.ready()) return true
      const state = await containerState(worker.name)
      if (!state.running) throw new Error(`${worker.name} exited (${state.exitCode}) before it was ready`)
      return false
    },
    timeoutMs,
  )

export const removeContainer = (name: string) => podman(["rm", "--force", "--time", "0", name], { allowFailure: true })

export { waitForExit }
