import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { DeadLettersStream } from "@haymaker/adapters-sinks"
import { DeadLetterLog, SinkWriteError } from "@haymaker/domain"
import { sampleRun } from "@haymaker/domain/fixtures"
import { InMemoryArchive, InMemoryBus } from "@haymaker/testing"
import { Effect, Layer } from "effect"
import {
  drainWorker,
  fileSinksLayer,
  inMemoryWorkerLayer,
  sendSampleRunAndInvalidBodies,
  useTemporaryDirectory,
} from "./support/worker.ts"

const directory = useTemporaryDirectory("haymaker-dead-letter-rows-")

describe("the worker's dead-letter log (a Log Analytics row per dead-lettered message)", () => {
  it.live("writes a row per dead-lettered message: its reason, description, identity and what is known of it", () =>
    Effect.gen(function* () {
      yield* sendSampleRunAndInvalidBodies
      yield* drainWorker()
      const letters = yield* (yield* InMemoryBus).deadLetters
      const text = yield* Effect.promise(() =>
        readFile(join(directory(), "log-analytics", `${DeadLettersStream.table}.jsonl`), "utf8"),
      )
      const rows = text
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Record<string, unknown>)
      // Exactly the dead-letter queue, message for message, with the same reason and description.
      const byReason = (a: Record<string, unknown>, b: Record<string, unknown>) =>
        String(a.reason).localeCompare(String(b.reason))
      expect(rows.map((row) => [row.reason, row.description, row.message_id]).sort()).toEqual(
        letters.map((letter) => [letter.reason, letter.description, letter.messageId]).sort(),
      )
      expect(rows.sort(byReason).map((row) => [row.reason, row.event_type])).toEqual([
        ["InvalidJson", null],
        ["NotAnObject", null],
        ["SchemaViolation", "resource_created"],
      ])
      for (const row of rows) {
        expect(Number.isInteger(row.delivery_count)).toBe(true)
        expect(Date.parse(String(row.TimeGenerated))).not.toBeNaN()
        expect(row.sequence_number).toMatch(/^\d+$/)
      }
    }).pipe(Effect.provide(fileSinksLayer(directory()))),
  )

  it.live("a failing dead-letter log changes no settlement: the messages are dead-lettered all the same", () =>
    Effect.gen(function* () {
      yield* sendSampleRunAndInvalidBodies
      const totals = yield* drainWorker()
      const bus = yield* InMemoryBus
      expect((yield* bus.deadLetters).map((letter) => letter.reason).sort()).toEqual([
        "InvalidJson",
        "NotAnObject",
        "SchemaViolation",
      ])
      expect(totals).toMatchObject({ completed: sampleRun.length, deadLettered: 3 })
      expect(yield* (yield* InMemoryArchive).stored).toHaveLength(sampleRun.length)
    }).pipe(
      Effect.provide(
        Layer.merge(
          inMemoryWorkerLayer(),
          Layer.succeed(
            DeadLetterLog,
            DeadLetterLog.of({
              record: (records) =>
                Effect.fail(
                  new SinkWriteError({
                    sink: "DeadLetterLog",
                    failedKeys: records.map((record) => record.key),
                    kind: "Unavailable",
                    message: "Log Analytics is down",
                  }),
                ),
            }),
          ),
        ),
      ),
    ),
  )
})
