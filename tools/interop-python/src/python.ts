import { spawn, spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

const scripts = fileURLToPath(new URL("../python/", import.meta.url))

/**
 * The interpreter that has Debian's Azure SDK: `HAYMAKER_PYTHON` when set, else the system's /usr/bin/python3 (a
 * pyenv or virtualenv `python3` earlier on PATH does not see dist-packages), else `python3`.
 */
export const pythonInterpreter = (): string => {
  const chosen = process.env.HAYMAKER_PYTHON
  if (chosen !== undefined && chosen !== "") return chosen
  return existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3"
}

export const installHint =
  "The Python interop suite drives the emulator with the Python Azure SDK (azure-servicebus 7.8.2 on uamqp, " +
  "azure-monitor-ingestion, azure-storage-blob) from Debian: install it with\n" +
  "  sudo apt-get install -y python3-azure python3-azure-storage\n" +
  "(or point HAYMAKER_PYTHON at an interpreter that has those packages), then run `pnpm test:interop` again."

/** The SDK versions the interpreter has; throws with the install hint when it has none. */
export const pythonSdkVersions = (): Readonly<Record<string, string>> => {
  const python = pythonInterpreter()
  const probe = spawnSync(
    python,
    [
      "-c",
      "import json, uamqp, azure.servicebus, azure.monitor.ingestion._version as ingestion, azure.storage.blob\n" +
        "print(json.dumps({'azure-servicebus': azure.servicebus.__version__, 'uamqp': uamqp.__version__," +
        " 'azure-monitor-ingestion': ingestion.VERSION, 'azure-storage-blob': azure.storage.blob.__version__}))",
    ],
    { encoding: "utf8" },
  )
  if (probe.error !== undefined || probe.status !== 0) {
    const reason = probe.error?.message ?? probe.stderr.trim().split("\n").at(-1) ?? `exit ${probe.status}`
    throw new Error(`${installHint}\n${python}: ${reason}`)
  }
  return JSON.parse(probe.stdout) as Record<string, string>
}

export class PythonScriptError extends Error {
  override readonly name = "PythonScriptError"
}

/**
 * Runs `python/<script>` with `input` as JSON on standard input and resolves with the JSON it prints. A failing
 * script rejects with its standard error (the Python traceback).
 */
export const runPython = <A>(script: string, input: unknown, env: Readonly<Record<string, string>> = {}): Promise<A> =>
  new Promise((resolve, reject) => {
    const child = spawn(pythonInterpreter(), [`${scripts}${script}`], {
      cwd: scripts,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8")
    })
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8")
    })
    child.once("error", reject)
    child.once("close", (code, signal) => {
      if (code !== 0) {
        reject(new PythonScriptError(`${script} exited with ${code ?? signal}:\n${stderr.slice(-4000)}`))
        return
      }
      try {
        resolve(JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as A)
      } catch {
        reject(
          new PythonScriptError(`${script} printed no JSON result:\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`),
        )
      }
    })
    child.stdin.end(JSON.stringify(input))
  })
