import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect } from "effect"
import { durationConfig } from "../src/DurationConfig.ts"

const read = (env: Record<string, string>) =>
  Effect.result(durationConfig("WAIT").parse(ConfigProvider.fromEnvRecord(env)))

describe("durationConfig", () => {
  it.effect("reads NAME as duration text, else NAME_MS as milliseconds; NAME wins", () =>
    Effect.gen(function* () {
      const values = []
      for (const env of [{ WAIT: "2 seconds" }, { WAIT_MS: "2000" }, { WAIT: "2 seconds", WAIT_MS: "5" }]) {
        const result = yield* read(env)
        values.push(result._tag === "Success" ? Duration.toMillis(result.success) : result.failure.message)
      }
      expect(values).toEqual([2_000, 2_000, 2_000])
    }),
  )

  it.effect("a malformed NAME is an error about NAME, not a fall-through to NAME_MS", () =>
    Effect.gen(function* () {
      const result = yield* read({ WAIT: "soonish", WAIT_MS: "5" })
      expect(result._tag).toBe("Failure")
      expect(result._tag === "Failure" && result.failure.message).toContain('["WAIT"]')
    }),
  )
})
