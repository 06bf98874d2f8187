/**
 * Vitest setup file of every package with property tests: makes fast-check runs reproducible.
 *
 * - `FC_SEED=<n>` runs every property with that seed (to replay a failure);
 * - otherwise a fixed seed when `CI=true`, so CI runs are repeatable, and a random one locally, so local runs keep
 *   exploring new inputs;
 * - a failing property names its seed and the command that replays it.
 *
 * One seed per test file: every property of the file starts from it, so a failure replays with the file alone.
 */
import * as fc from "fast-check"
import { expect } from "vitest"

const CI_SEED = 20_261_203

const seedFromEnv = (): number | undefined => {
  const text = process.env.FC_SEED
  if (text === undefined || text.trim() === "") return undefined
  const seed = Number(text)
  if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(text)}`)
  return seed
}

const seed =
  seedFromEnv() ?? (process.env.CI === "true" ? CI_SEED : Math.floor(Math.random() * 0x1_0000_0000) - 0x8000_0000)

const replayHint = (): string => {
  const file = expect.getState().testPath
  const relative = file === undefined ? "<test file>" : file.replace(`${process.cwd()}/`, "")
  return `Replay with: FC_SEED=${seed} pnpm exec vitest run ${relative}`
}

fc.configureGlobal({
  seed,
  reporter: (details) => {
    if (!details.failed) return
    throw new Error(`${fc.defaultReportMessage(details)}\n\n${replayHint()}`, { cause: details.errorInstance })
  },
})
