import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"

/**
 * Headless Chromium driven over the DevTools protocol (Node's own WebSocket, no extra package): load a page, read
 * its DOM and layout, watch its network requests, take a screenshot. Debian's `chromium` package, or the binary in
 * `HAYMAKER_CHROMIUM`. Run as root in a container, so the sandbox is off; a fresh profile every time.
 */

const CANDIDATES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]

/** The Chromium binary, or an error saying how to get one: the HTML report's test must not pass without it. */
export const chromiumBinary = (env: Readonly<Record<string, string | undefined>> = process.env): string => {
  const configured = env.HAYMAKER_CHROMIUM
  if (configured !== undefined && configured !== "") {
    if (existsSync(configured)) return configured
    throw new Error(`HAYMAKER_CHROMIUM=${configured}: no such file; it must name a Chromium binary`)
  }
  const folders = (env.PATH ?? "").split(delimiter).filter((folder) => folder !== "")
  for (const name of CANDIDATES) {
    for (const folder of folders) if (existsSync(join(folder, name))) return join(folder, name)
  }
  throw new Error(
    "headless Chromium is required to test the HTML report, and none was found on PATH: install Debian's chromium (apt-get install -y chromium; .ci/run does) or set HAYMAKER_CHROMIUM to a Chromium binary",
  )
}

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--remote-debugging-port=0",
]

interface Pending {
  readonly resolve: (value: unknown) => void
  readonly reject: (error: Error) => void
}

export interface ChromiumPage {
  /** Sends a DevTools protocol command to the page and waits for its result. */
  readonly send: <A = unknown>(method: string, params?: Record<string, unknown>) => Promise<A>
  /** Resolves with the params of the next event of this name. */
  readonly next: (method: string) => Promise<Record<string, unknown>>
  /** Every URL the page requested so far. */
  readonly requests: () => ReadonlyArray<string>
  /** Evaluates an expression in the page and answers its value (JSON-serialisable). */
  readonly evaluate: <A>(expression: string) => Promise<A>
}

/** Starts Chromium, hands `use` a blank page, and stops Chromium and removes its profile afterwards. */
export const withChromiumPage = async <A>(use: (page: ChromiumPage) => Promise<A>): Promise<A> => {
  const binary = chromiumBinary()
  const profile = await mkdtemp(join(tmpdir(), "haymaker-chromium-"))
  // Its own process group: Chromium starts helper processes, which stop with the group.
  const child: ChildProcess = spawn(binary, [...FLAGS, `--user-data-dir=${profile}`, "about:blank"], {
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  })
  const exited = new Promise((resolve) => child.once("exit", resolve))
  let stderr = ""
  try {
    // Chromium announces its DevTools endpoint on standard error once it listens.
    const browserUrl = await new Promise<string>((resolve, reject) => {
      child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString("utf8")
        const match = /DevTools listening on (ws:\/\/\S+)/.exec(stderr)
        if (match?.[1] !== undefined) resolve(match[1])
      })
      child.once("error", reject)
      child.once("exit", (code) => reject(new Error(`chromium exited (${code}) before listening:\n${stderr}`)))
    })
    const { host } = new URL(browserUrl)
    const targets = (await (await fetch(`http://${host}/json/list`)).json()) as Array<{
      type: string
      webSocketDebuggerUrl: string
    }>
    const target = targets.find((t) => t.type === "page")
    if (target === undefined) throw new Error("chromium has no page target")

    const socket = new WebSocket(target.webSocketDebuggerUrl)
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true })
      socket.addEventListener("error", () => reject(new Error("cannot connect to chromium's page")), { once: true })
    })
    const pending = new Map<number, Pending>()
    const waiters = new Map<string, Array<(params: Record<string, unknown>) => void>>()
    const requested: Array<string> = []
    socket.addEventListener("message", (message) => {
      const data = JSON.parse(String(message.data)) as {
        id?: number
        result?: unknown
        error?: { message: string }
        method?: string
        params?: Record<string, unknown>
      }
      if (data.id !== undefined) {
        const call = pending.get(data.id)
        pending.delete(data.id)
        if (data.error !== undefined) call?.reject(new Error(data.error.message))
        else call?.resolve(data.result)
        return
      }
      if (data.method === "Network.requestWillBeSent") {
        requested.push(String((data.params?.request as { url?: unknown } | undefined)?.url))
      }
      const waiting = waiters.get(data.method ?? "")
      if (waiting !== undefined && waiting.length > 0) waiting.shift()?.(data.params ?? {})
    })
    let nextId = 0
    const send = <A>(method: string, params: Record<string, unknown> = {}) =>
      new Promise<A>((resolve, reject) => {
        const id = ++nextId
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
        socket.send(JSON.stringify({ id, method, params }))
      })
    const next = (method: string) =>
      new Promise<Record<string, unknown>>((resolve) => {
        const list = waiters.get(method) ?? []
        list.push(resolve)
        waiters.set(method, list)
      })
    const evaluate = async <A>(expression: string) => {
      const answer = await send<{ result: { value: A }; exceptionDetails?: { text: string } }>("Runtime.evaluate", {
        expression,
        returnByValue: true,
      })
      if (answer.exceptionDetails !== undefined) throw new Error(`in the page: ${answer.exceptionDetails.text}`)
      return answer.result.value
    }
    await Promise.all([send("Page.enable"), send("Network.enable"), send("Runtime.enable")])
    try {
      return await use({ send, next, requests: () => [...requested], evaluate })
    } finally {
      socket.close()
    }
  } finally {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, "SIGKILL")
      } catch {
        // already gone
      }
    }
    await exited
    await rm(profile, { recursive: true, force: true })
  }
}
