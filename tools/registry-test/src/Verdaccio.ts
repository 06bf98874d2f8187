import { type ChildProcess, fork } from "node:child_process"
import { mkdir, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

export interface LocalRegistry {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string
  /** A token of a user created on start, allowed to publish. */
  readonly token: string
  /** `.npmrc` lines that point npm and pnpm at this registry with that token. */
  readonly npmrc: string
  readonly close: () => Promise<void>
}

export interface LocalRegistryOptions {
  /** Holds the configuration, the users file and the storage; the caller removes it. */
  readonly directory: string
  /** Registry that third-party packages are proxied from (the machine's `npm config get registry`). */
  readonly uplink: string
}

const entry = fileURLToPath(
  new URL(`./verdaccioMain${import.meta.url.slice(import.meta.url.lastIndexOf("."))}`, import.meta.url),
)

// @haymaker/* is served from local storage only: a name on the public registry must never stand in for ours.
const config = (directory: string, uplink: string) => `storage: ${JSON.stringify(join(directory, "storage"))}
auth:
  htpasswd:
    file: ${JSON.stringify(join(directory, "htpasswd"))}
    max_users: 10
uplinks:
  upstream:
    url: ${JSON.stringify(uplink)}
    timeout: 60s
    maxage: 30m
packages:
  "@haymaker/*":
    access: $all
    publish: $authenticated
  "**":
    access: $all
    publish: $authenticated
    proxy: upstream
server:
  keepAliveTimeout: 60
max_body_size: 100mb
log: { type: stdout, format: json, level: error }
`

const stop = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000)
    child.once("exit", () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill("SIGTERM")
  })

/** Starts verdaccio in a child process on 127.0.0.1 (ephemeral port) and creates a user that may publish. */
export const startLocalRegistry = async (options: LocalRegistryOptions): Promise<LocalRegistry> => {
  await mkdir(join(options.directory, "storage"), { recursive: true })
  const configPath = join(options.directory, "config.yaml")
  await writeFile(configPath, config(options.directory, options.uplink))
  const child = fork(entry, [configPath], { execArgv: [], stdio: ["ignore", "pipe", "pipe", "ipc"] })
  let output = ""
  child.stderr?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-8_192)
  })
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("verdaccio did not start within 60 s")), 60_000)
      let line = ""
      child.stdout?.on("data", (chunk: Buffer) => {
        line += chunk.toString("utf8")
        const match = /\{"port":(\d+)\}/.exec(line)
        if (match?.[1] !== undefined) {
          clearTimeout(timer)
          resolve(Number(match[1]))
        }
      })
      child.once("exit", (code) => {
        clearTimeout(timer)
        reject(new Error(`verdaccio exited during startup (code ${code})`))
      })
    })
    const url = `http://127.0.0.1:${port}/`
    const response = await fetch(new URL("-/user/org.couchdb.user:haymaker", url), {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "haymaker", password: "local-registry-only" }),
    })
    const { token } = (await response.json()) as { token?: string }
    if (!response.ok || token === undefined) throw new Error(`creating the publishing user failed: ${response.status}`)
    const npmrc = `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`
    return { url, token, npmrc, close: () => stop(child) }
  } catch (error) {
    await stop(child)
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${output}`, { cause: error })
  }
}
