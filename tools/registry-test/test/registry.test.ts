// The packages as a user gets them: every package is released to a local verdaccio with the project's release
// commands, then installed from it into projects outside the workspace and used on the machine's Node 20 and on the
// toolchain's Node. The projects take the @haymaker scope from verdaccio and everything else from the machine's npm
// registry, as a user of a private registry for one scope does: proxying the public packages through verdaccio as
// well cost a third more CPU per install and tested nothing of ours. The two projects install at the same time.
import { execFileSync } from "node:child_process"
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type EmulatorProcess, npxEmulator } from "../src/emulatorProcess.ts"
import { currentNode, type NodeRuntime, node20, npmCli } from "../src/nodes.ts"
import { copyWorkspace, publishablePackages, type ReleasedPackage, release } from "../src/releaseWorkspace.ts"
import { run } from "../src/run.ts"
import { type LocalRegistry, startLocalRegistry } from "../src/Verdaccio.ts"

const here = dirname(fileURLToPath(import.meta.url))
const repository = join(here, "..", "..", "..")
const consumerFixtures = join(here, "..", "consumer")
const testTooling = ["vitest", "fast-check", "@haymaker/testing", "@effect/vitest", "@vitest/runner", "tinypool"]

// Children get a clean environment: nothing of the pnpm/vitest process that runs this test leaks into npm.
const baseEnv: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm|pnpm)_/i.test(key))),
  CI: "true",
  NO_UPDATE_NOTIFIER: "1",
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_update_notifier: "false",
}

const nodes: ReadonlyArray<NodeRuntime> = [node20(), currentNode()]
const npm = npmCli()
const npx = join(dirname(npm), "npx-cli.js")

const timed = async <A>(label: string, work: () => Promise<A>): Promise<A> => {
  const started = performance.now()
  try {
    return await work()
  } finally {
    console.log(`registry test: ${label} took ${((performance.now() - started) / 1000).toFixed(1)} s`)
  }
}

let workDir: string
let uplink: string
let registry: LocalRegistry
let released: ReadonlyArray<ReleasedPackage>
/** The worker's project, installing while the adapters' project is used (started once the release is done). */
let workerProject: Promise<string> | undefined

/** A project outside the workspace: npm takes @haymaker/* from the local registry only, the rest from the uplink. */
const consumerProject = async (name: string): Promise<string> => {
  const directory = join(workDir, name)
  await mkdir(directory, { recursive: true })
  await writeFile(join(directory, "package.json"), `${JSON.stringify({ name, private: true }, null, 2)}\n`)
  await writeFile(join(directory, ".npmrc"), `registry=${uplink}\n@haymaker:registry=${registry.url}\n`)
  return directory
}

const npmIn = (directory: string, runtime: NodeRuntime, args: ReadonlyArray<string>) =>
  run(runtime.node, [npm, ...args], { cwd: directory, env: { ...baseEnv, PATH: runtime.path }, timeoutMs: 600_000 })

const nodeIn = (directory: string, runtime: NodeRuntime, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}) =>
  run(runtime.node, args, { cwd: directory, env: { ...baseEnv, ...env, PATH: runtime.path }, timeoutMs: 120_000 })

/** Every installed copy of a package in a project (`npm query`), as `location@version`. */
const copiesOf = async (directory: string, runtime: NodeRuntime, name: string): Promise<Array<string>> => {
  const { stdout } = await npmIn(directory, runtime, ["query", `#${name}`])
  return (JSON.parse(stdout) as Array<{ location: string; version: string }>).map(
    (node) => `${node.location}@${node.version}`,
  )
}

/** Names in the production dependency tree of a project (`npm ls --omit=dev --all`). */
const productionTree = async (directory: string, runtime: NodeRuntime): Promise<Set<string>> => {
  const { stdout } = await npmIn(directory, runtime, ["ls", "--omit=dev", "--all", "--json"])
  const names = new Set<string>()
  const walk = (dependencies: Record<string, { dependencies?: Record<string, unknown> }> | undefined) => {
    for (const [name, node] of Object.entries(dependencies ?? {})) {
      if (names.has(name)) continue
      names.add(name)
      walk(node.dependencies as Record<string, { dependencies?: Record<string, unknown> }> | undefined)
    }
  }
  walk(
    (JSON.parse(stdout) as { dependencies?: Record<string, { dependencies?: Record<string, unknown> }> }).dependencies,
  )
  return names
}

const versionOf = (name: string): string => {
  const found = released.find((pkg) => pkg.name === name)
  if (found === undefined) throw new Error(`${name} was not released`)
  return found.version
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "haymaker-registry-"))
  uplink = execFileSync(process.execPath, [npm, "config", "get", "registry"], {
    cwd: workDir,
    encoding: "utf8",
    env: { ...baseEnv, PATH: currentNode().path },
  }).trim()
  registry = await timed("starting verdaccio", () =>
    startLocalRegistry({ directory: join(workDir, "registry"), uplink }),
  )
  const workspace = join(workDir, "release")
  await timed("copying the workspace", () => copyWorkspace(repository, workspace))
  await timed("versioning and publishing (changeset version, changeset publish)", () =>
    release(workspace, registry.npmrc, { ...baseEnv, PATH: currentNode().path }),
  )
  released = await publishablePackages(workspace)
  // The worker needs Node 22.19+ (@effect/platform-node, azurite): installed on the toolchain's Node.
  const runtime = currentNode()
  workerProject = consumerProject("worker-consumer").then(async (project) => {
    await timed(`installing @haymaker/app-worker on ${runtime.label}`, () =>
      npmIn(project, runtime, ["install", "@haymaker/app-worker"]),
    )
    return project
  })
  // Awaited by the worker's tests; until then a failure must not count as an unhandled rejection.
  workerProject.catch(() => {})
}, 900_000)

afterAll(async () => {
  await workerProject?.catch(() => {})
  await registry?.close()
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true })
})

describe("the release", () => {
  it("publishes every package of the workspace, at the version the release gave it, without workspace: ranges", async () => {
    expect(released.map((pkg) => pkg.name).sort()).toEqual([
      "@haymaker/adapters-servicebus",
      "@haymaker/adapters-sinks",
      "@haymaker/app-worker",
      "@haymaker/domain",
      "@haymaker/local-stack",
      "@haymaker/servicebus-emulator",
      "@haymaker/testing",
    ])
    for (const pkg of released) {
      const response = await fetch(new URL(pkg.name.replace("/", "%2f"), registry.url))
      const packument = (await response.json()) as {
        versions: Record<string, { dependencies?: Record<string, string>; exports?: unknown; license?: string }>
      }
      const manifest = packument.versions[pkg.version]
      expect(manifest, `${pkg.name}@${pkg.version} in the registry`).toBeDefined()
      expect(JSON.stringify(manifest?.dependencies ?? {})).not.toContain("workspace:")
      expect(JSON.stringify(manifest?.exports ?? {})).not.toContain("./src/")
      expect(manifest?.license).toBe("MIT")
    }
  })
})

describe("@haymaker/adapters-servicebus installed alone from the registry", () => {
  let project: string
  let emulator: EmulatorProcess | undefined

  beforeAll(async () => {
    project = await consumerProject("bus-consumer")
    await timed("installing @haymaker/adapters-servicebus on Node 20", () =>
      npmIn(project, nodes[0] as NodeRuntime, ["install", "@haymaker/adapters-servicebus"]),
    )
  }, 900_000)

  afterAll(async () => {
    await emulator?.close()
  })

  it("brings its dependencies from the registry and no test tooling", async () => {
    const tree = await productionTree(project, currentNode())
    expect(tree).toContain("@haymaker/adapters-servicebus")
    expect(tree).toContain("@haymaker/domain")
    expect(tree).toContain("@azure/service-bus")
    expect(tree).toContain("effect")
    for (const tool of testTooling) expect(tree).not.toContain(tool)
    const manifest = JSON.parse(await readFile(join(project, "package.json"), "utf8")) as {
      dependencies: Record<string, string>
    }
    expect(Object.keys(manifest.dependencies)).toEqual(["@haymaker/adapters-servicebus"])
  })

  describe("with the emulator started by npx from the installed package", () => {
    beforeAll(async () => {
      await timed("installing @haymaker/servicebus-emulator, @azure/service-bus, @types/node", () =>
        npmIn(project, nodes[0] as NodeRuntime, [
          "install",
          "--save-dev",
          "@haymaker/servicebus-emulator",
          "@haymaker/domain",
          "@azure/service-bus@7.9.5",
          "@types/node@24",
        ]),
      )
      for (const file of ["roundTrip.mjs", "roundTrip.cjs", "typed.ts", "typeMistake.ts", "tsconfig.json"]) {
        await copyFile(join(consumerFixtures, file), join(project, file))
      }
      // Started on Node 20: the emulator is the published product that runs on the oldest supported Node.
      emulator = await timed("npx @haymaker/servicebus-emulator", () =>
        npxEmulator(nodes[0] as NodeRuntime, npx, project, baseEnv),
      )
    }, 900_000)

    for (const runtime of nodes) {
      for (const file of ["roundTrip.mjs", "roundTrip.cjs"]) {
        it(`${file === "roundTrip.mjs" ? "ESM import" : "CommonJS require"}: publish and subscribe round trip on ${runtime.label}`, async () => {
          const { stdout, stderr } = await nodeIn(project, runtime, [file], {
            SERVICEBUS_CONNECTION_STRING: emulator?.connectionString,
          })
          const result = JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as {
            runId: string
            resources: Array<string>
          }
          expect(result.resources).toEqual([file === "roundTrip.mjs" ? "esm" : "cjs"])
          expect(stderr).not.toMatch(/Error/)
        })
      }
    }

    it("a strict TypeScript consumer (module nodenext) type-checks with zero errors and catches a type mistake", async () => {
      const tsc = join(repository, "node_modules", "typescript", "bin", "tsc")
      const clean = await run(process.execPath, [tsc, "-p", ".", "--pretty", "false"], {
        cwd: project,
        env: baseEnv,
        allowFailure: true,
      })
      const errors = clean.stdout.split("\n").filter((line) => line.includes("error TS"))
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatch(
        /^typeMistake\.ts\(\d+,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/,
      )
      await rm(join(project, "typeMistake.ts"))
      const result = await run(process.execPath, [tsc, "-p", ".", "--pretty", "false"], { cwd: project, env: baseEnv })
      expect(result.stdout).toBe("")
    })

    it("the README's examples run as printed (promise API, Effect layers, the emulator in a test)", async () => {
      const readme = await readFile(join(repository, "README.md"), "utf8")
      const section = readme.slice(
        readme.indexOf("## Use the packages"),
        readme.indexOf("\n## ", readme.indexOf("## Use the packages") + 1),
      )
      const examples = [...section.matchAll(/```js\n(\/\/ ([\w.-]+\.mjs)[^\n]*\n[\s\S]*?)```/g)].map(
        ([, code, file]) => ({
          code: code ?? "",
          file: file ?? "",
        }),
      )
      expect(examples.map((example) => example.file)).toEqual(["promise.mjs", "effect.mjs", "emulator.test.mjs"])
      for (const example of examples) await writeFile(join(project, example.file), example.code)
      const env = { SERVICEBUS_CONNECTION_STRING: emulator?.connectionString }
      const promise = await nodeIn(project, currentNode(), ["promise.mjs"], env)
      expect(promise.stdout).toContain("sa1 created")
      const effect = await nodeIn(project, currentNode(), ["effect.mjs"], env)
      expect(effect.stdout).toContain("received resource_created")
      const test = await nodeIn(project, currentNode(), ["--test", "--test-reporter=tap", "emulator.test.mjs"])
      expect(test.stdout).toMatch(/# pass 1\n# fail 0/)
    })
  })
})

describe("@haymaker/app-worker installed from the registry", () => {
  let project: string
  const runtime = currentNode()

  beforeAll(async () => {
    if (workerProject === undefined) throw new Error("the release did not finish")
    project = await workerProject
  }, 900_000)

  it("haymaker-worker --version prints the released version", async () => {
    const { stdout } = await nodeIn(project, runtime, [npx, "@haymaker/app-worker", "--version"])
    expect(stdout.trim()).toBe(`haymaker-worker v${versionOf("@haymaker/app-worker")}`)
  })

  it("npx @haymaker/app-worker demo runs the main job from the installed package", async () => {
    const { stdout } = await timed("npx @haymaker/app-worker demo", () =>
      nodeIn(project, runtime, [npx, "@haymaker/app-worker", "demo", "--events", "200"]),
    )
    expect(stdout).toContain("Dead-lettered messages: 5")
    expect(stdout).toMatch(/Blob archive: +\d+ archived messages/)
    expect(stdout).toContain(join(project, ".haymaker", "demo"))
  })

  // Two copies cannot share values: a Redacted connection string made by one is unreadable by the other (the
  // worker died at start-up when its exact effect pin and the libraries' ^ range resolved apart).
  it("one copy of effect serves the worker and every library it installs", async () => {
    expect(await copiesOf(project, runtime, "effect")).toHaveLength(1)
  })

  it("npm ls --omit=dev shows no test tooling in the installed worker", async () => {
    const tree = await productionTree(project, runtime)
    expect(tree).toContain("@haymaker/app-worker")
    expect(tree).toContain("@haymaker/local-stack")
    for (const tool of testTooling) expect(tree).not.toContain(tool)
  })
})
