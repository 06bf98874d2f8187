// Runs a package's bench scripts one after another with the same arguments, so that `bench --write` (or any other
// option) reaches each of them: `node ../../scripts/run-benches.ts bench/a.bench.ts bench/b.bench.ts [options]`.
import { spawnSync } from "node:child_process"

const args = process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === "--"))
const scripts = args.filter((arg) => arg.endsWith(".ts"))
const options = args.filter((arg) => !arg.endsWith(".ts"))
for (const script of scripts) {
  const { status, signal } = spawnSync(process.execPath, [...process.execArgv, script, ...options], {
    stdio: "inherit",
  })
  if (status !== 0) {
    console.error(`${script} failed (${signal ?? `exit code ${status}`})`)
    process.exit(status ?? 1)
  }
}
