import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import type { SinkRecord } from "@haymaker/domain"
import { Effect } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import type { ArchiveLayout } from "../src/archive/BlobNames.ts"
import * as FileArchiveSink from "../src/filesystem/FileArchiveSink.ts"
import * as FileLogAnalyticsSink from "../src/filesystem/FileLogAnalyticsSink.ts"
import {
  agentLog,
  agentLogMessage,
  failedIds,
  otherMessage,
  resourceCreated,
  resourceDump,
  resourceMessage,
  sinkRecord,
} from "./fixtures.ts"

const listFiles = async (root: string): Promise<Array<string>> => {
  const entries = await readdir(root, { recursive: true, withFileTypes: true })
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort()
}

const readLines = async (path: string) =>
  (await readFile(path, "utf8"))
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line))

describe("filesystem sinks (local profile)", () => {
  let directory: string

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "haymaker-file-sinks-"))
  })
  afterEach(() => rm(directory, { recursive: true, force: true }))

  const archive = (records: ReadonlyArray<SinkRecord>, layout?: ArchiveLayout) =>
    Effect.runPromise(Effect.flatMap(FileArchiveSink.make({ directory, layout }), (sink) => sink.write(records)))

  const logAnalytics = (records: ReadonlyArray<SinkRecord>) =>
    Effect.runPromise(Effect.flatMap(FileLogAnalyticsSink.make({ directory }), (sink) => sink.write(records)))

  it("ends a line left unfinished by a killed writer before appending new rows", async () => {
    const table = join(directory, "log-analytics/HayMakerResources_CL.jsonl")
    await logAnalytics([resourceMessage("m1")])
    await writeFile(table, '{"message_id":"half', { flag: "a" })
    await logAnalytics([resourceMessage("m2", 2)])

    const lines = (await readFile(table, "utf8")).split("\n")
    expect(lines).toHaveLength(4)
    expect(lines[1]).toBe('{"message_id":"half')
    expect(JSON.parse(lines[0] ?? "").message_id).toBe("m1")
    expect(JSON.parse(lines[2] ?? "").message_id).toBe("m2")
    expect(lines[3]).toBe("")
  })

  it("never shows a partly written archive file: files appear whole, temporary copies stay out of the archive", async () => {
    await archive([resourceMessage("m1"), agentLogMessage("m2")])
    await archive([resourceMessage("m1")], "partitioned")

    const files = await listFiles(directory)
    expect(files.filter((file) => file.startsWith("archive/"))).toHaveLength(2)
    expect(files.some((file) => file.endsWith(".tmp"))).toBe(false)
    for (const file of files.filter((f) => f.startsWith("archive/"))) {
      expect((await readFile(join(directory, file), "utf8")).endsWith("\n")).toBe(true)
    }
  })

  it("appends the Log Analytics rows as JSON lines per table", async () => {
    const [m1, m4] = [resourceMessage("m1"), resourceMessage("m4", 4)]
    await logAnalytics([m1, agentLogMessage("m2"), otherMessage("m3")])
    await logAnalytics([m4])

    expect(await listFiles(directory)).toEqual([
      "log-analytics/HayMakerAgentLogs_CL.jsonl",
      "log-analytics/HayMakerResources_CL.jsonl",
    ])
    const resources = await readLines(join(directory, "log-analytics/HayMakerResources_CL.jsonl"))
    expect(resources).toEqual([
      { TimeGenerated: "2024-11-14T12:00:00.000Z", ...resourceDump(1), message_id: "m1", sequence_number: m1.key },
      { TimeGenerated: "2024-11-14T12:00:00.000Z", ...resourceDump(4), message_id: "m4", sequence_number: m4.key },
    ])
    const logs = await readLines(join(directory, "log-analytics/HayMakerAgentLogs_CL.jsonl"))
    expect(logs.map((row) => row.message_id)).toEqual(["m2"])
  })

  it("archives one file per write and hour with the blob archive's names; a retried write finds its file", async () => {
    const nextHour = sinkRecord("m3", { ...agentLog(), timestamp: "2024-11-14T13:05:00Z" })
    const records = [resourceMessage("m1"), agentLogMessage("m2"), nextHour]
    await archive(records)
    const files = await listFiles(directory)
    const contents = await Promise.all(files.map((file) => readFile(join(directory, file), "utf8")))
    await archive([nextHour, ...records])

    expect(
      files.map((file) => /^archive\/events\/y=2024\/m=11\/d=14\/h=(\d\d)\/[0-9a-f]{32}\.jsonl$/.exec(file)?.[1]),
    ).toEqual(["12", "13"])
    expect(await listFiles(directory)).toEqual(files)
    expect(await Promise.all(files.map((file) => readFile(join(directory, file), "utf8")))).toEqual(contents)
    const lines = contents.map((content) =>
      content
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)),
    )
    expect(lines.map((file) => file.map((line) => line.message.message_id))).toEqual([["m1", "m2"], ["m3"]])
    expect(lines[0]?.[0]).toMatchObject({ message: { message_id: "m1" }, resource: resourceDump(1) })
  })

  it("archives one file per message in the partitioned layout, once under redelivery", async () => {
    const records = [resourceMessage("m1"), agentLogMessage("m2")]
    const nameOf = (record: SinkRecord | undefined) => `archive/events/y=2024/m=11/d=14/h=12/${record?.key}.jsonl`
    await archive(records, "partitioned")
    const first = await readFile(join(directory, nameOf(records[0])), "utf8")
    await archive([records[0] as SinkRecord, records[0] as SinkRecord], "partitioned")

    expect(await listFiles(directory)).toEqual(records.map(nameOf).sort())
    expect(await readFile(join(directory, nameOf(records[0])), "utf8")).toBe(first)
    expect(JSON.parse(first)).toMatchObject({ message: { message_id: "m1" }, resource: resourceDump(1) })
  })

  it("keeps hostile ids inside the archive folder and supports the per-event layout", async () => {
    await archive([agentLogMessage("../../../escape"), agentLogMessage("%2F..%2Fx")], "partitioned")
    await archive([resourceMessage("r1", 1, "/subscriptions/S/../../../../etc/passwd")], "perEvent")

    const files = await listFiles(directory)
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
  })

  it("per-event layout: two events of one resource at the same time both land, each once under redelivery", async () => {
    const created = resourceMessage("c-1")
    const deleted = sinkRecord(
      "d-1",
      { ...resourceCreated(1), event_type: "resource_deleted" },
      { ...resourceDump(1), status: "deleted", deleted_at: "2024-11-14T12:00:00.000Z" },
    )
    await archive([created], "perEvent")
    await archive([deleted], "perEvent")
    await archive([deleted, created], "perEvent")

    const files = (await listFiles(directory)).filter((file) => file.startsWith("archive/"))
    expect(files).toHaveLength(2)
    expect(files.filter((file) => /\/vm11~[0-9a-f]{12}\.json$/.test(file))).toHaveLength(1)
    const ids = await Promise.all(
      files.map(async (file) => JSON.parse(await readFile(join(directory, file), "utf8")).message.message_id),
    )
    expect(ids.sort()).toEqual(["c-1", "d-1"])
  })

  it("fails with a typed error naming every message when the folder is unusable", async () => {
    const blocked = join(directory, "not-a-folder")
    await writeFile(blocked, "")
    const records = [resourceMessage("a"), agentLogMessage("b")]

    const archiveResult = await Effect.runPromise(
      Effect.flatMap(FileArchiveSink.make({ directory: blocked }), (sink) => sink.write(records)).pipe(Effect.result),
    )
    const logsResult = await Effect.runPromise(
      Effect.flatMap(FileLogAnalyticsSink.make({ directory: blocked }), (sink) => sink.write(records)).pipe(
        Effect.result,
      ),
    )

    for (const [result, sink] of [
      [archiveResult, "Archive"],
      [logsResult, "LogAnalytics"],
    ] as const) {
      if (result._tag !== "Failure" || result.failure._tag !== "SinkWriteError") throw new Error(String(result))
      expect(result.failure.sink).toBe(sink)
      expect(failedIds(result.failure).sort()).toEqual(["a", "b"])
      expect(result.failure.message).toContain("ENOTDIR")
    }
  })

  it("refuses a record JSON cannot write, alone, in both sinks, and stores its neighbours (issue 10 §2)", async () => {
    let deep: unknown = 1
    for (let i = 0; i < 20_000; i++) deep = [deep]
    const records = [resourceMessage("a"), agentLogMessage("deep", { deep: deep as never }), agentLogMessage("b")]

    for (const sink of [FileArchiveSink.make({ directory }), FileLogAnalyticsSink.make({ directory })]) {
      const result = await Effect.runPromise(Effect.flatMap(sink, (s) => s.write(records)).pipe(Effect.result))
      if (result._tag !== "Failure" || result.failure._tag !== "SinkWriteError") throw new Error(String(result))
      expect(failedIds(result.failure)).toEqual(["deep"])
      expect(result.failure.kind).toBe("Rejected")
      expect(result.failure.message).toContain("Maximum call stack size exceeded")
    }
    const archived = (await listFiles(join(directory, "archive"))).map((file) => join(directory, "archive", file))
    const lines = (await Promise.all(archived.map(readLines))).flat()
    expect(lines.map((line) => line.message.message_id)).toEqual(["a", "b"])
    const logs = await readLines(join(directory, "log-analytics/HayMakerAgentLogs_CL.jsonl"))
    expect(logs.map((row) => row.message_id)).toEqual(["b"])
  })

  it("refuses an empty directory or an unknown layout", async () => {
    const empty = await Effect.runPromise(Effect.result(FileArchiveSink.make({ directory: "" })))
    const layout = await Effect.runPromise(
      Effect.result(FileArchiveSink.make({ directory, layout: "daily" as "perEvent" })),
    )
    expect(empty._tag === "Failure" && empty.failure._tag).toBe("FileSinkConfigError")
    expect(layout._tag === "Failure" && layout.failure.message).toContain("layout")
  })
})
