import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import type { SinkRecord } from "@haymaker/domain"
import { Effect } from "effect"
import type { ArchiveLayout } from "../src/archive/BlobNames.ts"
import * as FileArchiveSink from "../src/filesystem/FileArchiveSink.ts"
import * as FileLogAnalyticsSink from "../src/filesystem/FileLogAnalyticsSink.ts"
import {
  agentLog,
  agentLogMessage,
  failedIds,
  otherMessage,
  resourceDeletedMessage,
  resourceDump,
  resourceMessage,
  sinkRecord,
} from "./fixtures.ts"

const listFiles = (root: string): Effect.Effect<Array<string>> =>
  Effect.promise(async () => {
    const entries = await readdir(root, { recursive: true, withFileTypes: true })
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => relative(root, join(entry.parentPath, entry.name)))
      .sort()
  })

const readText = (path: string): Effect.Effect<string> => Effect.promise(() => readFile(path, "utf8"))

const parseLines = (text: string) =>
  text
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line))

const readLines = (path: string) => Effect.map(readText(path), parseLines)

/** A fresh folder for the test, removed when it ends. */
const tempDirectory = Effect.acquireRelease(
  Effect.promise(() => mkdtemp(join(tmpdir(), "haymaker-file-sinks-"))),
  (directory) => Effect.promise(() => rm(directory, { recursive: true, force: true })),
)

const archive = (directory: string, records: ReadonlyArray<SinkRecord>, layout?: ArchiveLayout) =>
  Effect.flatMap(FileArchiveSink.make({ directory, layout }), (sink) => sink.write(records))

const logAnalytics = (directory: string, records: ReadonlyArray<SinkRecord>) =>
  Effect.flatMap(FileLogAnalyticsSink.make({ directory }), (sink) => sink.write(records))

describe("filesystem sinks (local profile)", () => {
  it.effect("ends a line left unfinished by a killed writer before appending new rows", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      const table = join(directory, "log-analytics/HayMakerResources_CL.jsonl")
      yield* logAnalytics(directory, [resourceMessage("m1")])
      yield* Effect.promise(() => writeFile(table, '{"message_id":"half', { flag: "a" }))
      yield* logAnalytics(directory, [resourceMessage("m2", 2)])

      const lines = (yield* readText(table)).split("\n")
      expect(lines).toHaveLength(4)
      expect(lines[1]).toBe('{"message_id":"half')
      expect(JSON.parse(lines[0] ?? "").message_id).toBe("m1")
      expect(JSON.parse(lines[2] ?? "").message_id).toBe("m2")
      expect(lines[3]).toBe("")
    }),
  )

  it.effect(
    "never shows a partly written archive file: files appear whole, temporary copies stay out of the archive",
    () =>
      Effect.gen(function* () {
        const directory = yield* tempDirectory
        const batched = [resourceMessage("m1"), agentLogMessage("m2")]
        yield* archive(directory, batched)
        yield* archive(directory, [resourceMessage("m1")], "partitioned")

        const files = yield* listFiles(directory)
        // The batched write's one file, and the partitioned layout's file of m1; nothing else (no .tmp).
        expect(files).toEqual(
          [
            expect.stringMatching(/^archive\/events\/y=2024\/m=11\/d=14\/h=12\/[0-9a-f]{32}\.jsonl$/),
            `archive/events/y=2024/m=11/d=14/h=12/${resourceMessage("m1").key}.jsonl`,
          ].sort(),
        )
        for (const file of files) expect((yield* readText(join(directory, file))).endsWith("\n")).toBe(true)
      }),
  )

  it.effect("appends the Log Analytics rows as JSON lines per table", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      const [m1, m4] = [resourceMessage("m1"), resourceMessage("m4", 4)]
      yield* logAnalytics(directory, [m1, agentLogMessage("m2"), otherMessage("m3")])
      yield* logAnalytics(directory, [m4])

      expect(yield* listFiles(directory)).toEqual([
        "log-analytics/HayMakerAgentLogs_CL.jsonl",
        "log-analytics/HayMakerResources_CL.jsonl",
      ])
      const resources = yield* readLines(join(directory, "log-analytics/HayMakerResources_CL.jsonl"))
      expect(resources).toEqual([
        { TimeGenerated: "2024-11-14T12:00:00.000Z", ...resourceDump(1), message_id: "m1", sequence_number: m1.key },
        { TimeGenerated: "2024-11-14T12:00:00.000Z", ...resourceDump(4), message_id: "m4", sequence_number: m4.key },
      ])
      const logs = yield* readLines(join(directory, "log-analytics/HayMakerAgentLogs_CL.jsonl"))
      expect(logs.map((row) => row.message_id)).toEqual(["m2"])
    }),
  )

  it.effect("archives one file per write and hour with the blob archive's names; a retried write finds its file", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      const nextHour = sinkRecord("m3", { ...agentLog(), timestamp: "2024-11-14T13:05:00Z" })
      const records = [resourceMessage("m1"), agentLogMessage("m2"), nextHour]
      yield* archive(directory, records)
      const files = yield* listFiles(directory)
      const contents = yield* Effect.forEach(files, (file) => readText(join(directory, file)))
      yield* archive(directory, [nextHour, ...records])

      expect(
        files.map((file) => /^archive\/events\/y=2024\/m=11\/d=14\/h=(\d\d)\/[0-9a-f]{32}\.jsonl$/.exec(file)?.[1]),
      ).toEqual(["12", "13"])
      expect(yield* listFiles(directory)).toEqual(files)
      expect(yield* Effect.forEach(files, (file) => readText(join(directory, file)))).toEqual(contents)
      const lines = contents.map(parseLines)
      expect(lines.map((file) => file.map((line) => line.message.message_id))).toEqual([["m1", "m2"], ["m3"]])
      expect(lines[0]?.[0]).toMatchObject({ message: { message_id: "m1" }, resource: resourceDump(1) })
    }),
  )

  it.effect("archives one file per message in the partitioned layout, once under redelivery", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      const records = [resourceMessage("m1"), agentLogMessage("m2")]
      const nameOf = (record: SinkRecord | undefined) => `archive/events/y=2024/m=11/d=14/h=12/${record?.key}.jsonl`
      yield* archive(directory, records, "partitioned")
      const first = yield* readText(join(directory, nameOf(records[0])))
      yield* archive(directory, [records[0] as SinkRecord, records[0] as SinkRecord], "partitioned")

      expect(yield* listFiles(directory)).toEqual(records.map(nameOf).sort())
      expect(yield* readText(join(directory, nameOf(records[0])))).toBe(first)
      expect(JSON.parse(first)).toMatchObject({ message: { message_id: "m1" }, resource: resourceDump(1) })
    }),
  )

  it.effect("keeps hostile ids inside the archive folder and supports the per-event layout", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      yield* archive(directory, [agentLogMessage("../../../escape"), agentLogMessage("%2F..%2Fx")], "partitioned")
      yield* archive(directory, [resourceMessage("r1", 1, "/subscriptions/S/../../../../etc/passwd")], "perEvent")

      const files = yield* listFiles(directory)
      expect(files).toHaveLength(3)
      for (const file of files) {
        expect(file.startsWith("archive/events/")).toBe(true)
        expect(file.split("/")).not.toContain("..")
        expect(file).not.toContain("%")
      }
      expect(
        files.filter((f) =>
          /^archive\/events\/2024-11-14T12:00:00\.000Z\/subscriptions\/s\/(_\/){4}etc\/passwd~[0-9a-f]{12}\.json$/.test(
            f,
          ),
        ),
      ).toHaveLength(1)
    }),
  )

  it.effect("per-event layout: two events of one resource at the same time both land, each once under redelivery", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      const created = resourceMessage("c-1")
      const deleted = resourceDeletedMessage("d-1")
      yield* archive(directory, [created], "perEvent")
      yield* archive(directory, [deleted], "perEvent")
      yield* archive(directory, [deleted, created], "perEvent")

      const files = (yield* listFiles(directory)).filter((file) => file.startsWith("archive/"))
      expect(files).toHaveLength(2)
      expect(files.filter((file) => /\/vm11~[0-9a-f]{12}\.json$/.test(file))).toHaveLength(1)
      const ids = yield* Effect.forEach(files, (file) =>
        Effect.map(readText(join(directory, file)), (text) => JSON.parse(text).message.message_id),
      )
      expect(ids.sort()).toEqual(["c-1", "d-1"])
    }),
  )

  it.effect("fails with a typed error naming every message when the folder is unusable", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      const blocked = join(directory, "not-a-folder")
      yield* Effect.promise(() => writeFile(blocked, ""))
      const records = [resourceMessage("a"), agentLogMessage("b")]

      const archiveFailure = yield* Effect.flip(archive(blocked, records))
      const logsFailure = yield* Effect.flip(logAnalytics(blocked, records))

      for (const [failure, sink] of [
        [archiveFailure, "Archive"],
        [logsFailure, "LogAnalytics"],
      ] as const) {
        if (failure._tag !== "SinkWriteError") throw new Error(String(failure))
        expect(failure.sink).toBe(sink)
        expect(failedIds(failure).sort()).toEqual(["a", "b"])
        expect(failure.message).toContain("ENOTDIR")
      }
    }),
  )

  it.effect("refuses a record JSON cannot write, alone, in both sinks, and stores its neighbours (issue 10 §2)", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      let deep: unknown = 1
      for (let i = 0; i < 20_000; i++) deep = [deep]
      const records = [resourceMessage("a"), agentLogMessage("deep", { deep: deep as never }), agentLogMessage("b")]

      for (const failure of [
        yield* Effect.flip(archive(directory, records)),
        yield* Effect.flip(logAnalytics(directory, records)),
      ]) {
        if (failure._tag !== "SinkWriteError") throw new Error(String(failure))
        expect(failedIds(failure)).toEqual(["deep"])
        expect(failure.kind).toBe("Rejected")
        expect(failure.message).toContain("Maximum call stack size exceeded")
      }
      const archived = (yield* listFiles(join(directory, "archive"))).map((file) => join(directory, "archive", file))
      const lines = (yield* Effect.forEach(archived, readLines)).flat()
      expect(lines.map((line) => line.message.message_id)).toEqual(["a", "b"])
      const logs = yield* readLines(join(directory, "log-analytics/HayMakerAgentLogs_CL.jsonl"))
      expect(logs.map((row) => row.message_id)).toEqual(["b"])
    }),
  )

  it.effect("refuses an empty directory or an unknown layout", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      const empty = yield* Effect.flip(FileArchiveSink.make({ directory: "" }))
      const layout = yield* Effect.flip(FileArchiveSink.make({ directory, layout: "daily" as "perEvent" }))
      expect(empty._tag).toBe("FileSinkConfigError")
      expect(layout.message).toContain("layout")
    }),
  )
})
