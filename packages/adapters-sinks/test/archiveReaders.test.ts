import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { BlobServiceClient } from "@azure/storage-blob"
import {
  type ArchiveEntry,
  type ArchiveReadError,
  type ArchiveReader,
  type ArchiveSink,
  encodeResource,
  type JsonObject,
  type SinkRecord,
} from "@haymaker/domain"
import { type AzuritePeer, startAzurite } from "@haymaker/local-stack"
import { DateTime, Duration, Effect, Redacted, Result, Stream } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as BlobArchiveReader from "../src/archive/BlobArchiveReader.ts"
import * as BlobArchiveSink from "../src/archive/BlobArchiveSink.ts"
import type { ArchiveLayout } from "../src/archive/BlobNames.ts"
import * as FileArchiveReader from "../src/filesystem/FileArchiveReader.ts"
import * as FileArchiveSink from "../src/filesystem/FileArchiveSink.ts"
import { agentLog, ENQUEUED, otherMessage, sinkRecord, VM_ID } from "./fixtures.ts"

/** A lifecycle event of resource `n` at `timestamp`, with the Resource the worker would parse from it. */
const lifecycle = (
  messageId: string,
  n: number,
  status: "created" | "deleted" | "deletion_failed",
  timestamp: string,
): SinkRecord => {
  const common = {
    resource_id: `${VM_ID}${n}`,
    resource_type: "Microsoft.Compute/virtualMachines",
    resource_name: `vm${n}`,
    scenario_name: "reader-scenario",
    run_id: `run-${n % 3}`,
  }
  const failure = status === "deletion_failed" ? { deletion_error: "locked", deletion_attempts: 2 } : {}
  return sinkRecord(
    messageId,
    { event_type: `resource_${status}`, ...common, timestamp, ...failure },
    {
      ...common,
      created_at: new Date(timestamp).toISOString(),
      status,
      deleted_at: status === "deleted" ? new Date(timestamp).toISOString() : null,
      deletion_attempts: status === "deletion_failed" ? 2 : 0,
      deletion_error: status === "deletion_failed" ? "locked" : null,
      tags: {},
    },
  )
}

const at = (hour: number, minute: number) => new Date(Date.UTC(2024, 10, 14, hour, minute)).toISOString()

/** Messages over three hours: lifecycle events, agent logs, an unknown type, enough to span several read chunks. */
const messages: ReadonlyArray<SinkRecord> = [
  ...Array.from({ length: 300 }, (_, i) => lifecycle(`c-${i}`, i, "created", at(10 + (i % 3), i % 60))),
  ...Array.from({ length: 200 }, (_, i) => lifecycle(`d-${i}`, i, "deleted", at(11 + (i % 2), 30 + (i % 30)))),
  lifecycle("f-1", 250, "deletion_failed", at(12, 45)),
  ...Array.from({ length: 50 }, (_, i) =>
    sinkRecord(`l-${i}`, { ...agentLog({ i, text: "x".repeat(2_000) }), timestamp: at(10 + (i % 3), 5) }),
  ),
  otherMessage("o-1"),
]

/** What the archive files a message by: its event's timestamp, else its enqueued time. */
const eventTimeOf = (record: SinkRecord | undefined) =>
  Date.parse((record?.raw.timestamp as string | undefined) ?? ENQUEUED)

const idsOf = (entries: ReadonlyArray<ArchiveEntry>) =>
  entries.flatMap((entry) => (entry._tag === "ArchivedEvent" ? [entry.messageId ?? ""] : []))

const readAll = (reader: ArchiveReader["Service"], since?: string) =>
  Effect.runPromise(
    Stream.runCollect(reader.entries({ since: since === undefined ? undefined : DateTime.makeUnsafe(since) })).pipe(
      Effect.result,
    ),
  )

const entriesOf = async (reader: ArchiveReader["Service"], since?: string) => {
  const result = await readAll(reader, since)
  if (Result.isFailure(result)) throw result.failure
  return result.success
}

interface Store {
  /** A sink and a reader over the same fresh location (container, folder). */
  readonly fresh: (layout: ArchiveLayout) => Promise<{
    readonly sink: ArchiveSink["Service"]
    readonly reader: ArchiveReader["Service"]
    /** Stores an object as is, bypassing the sink (a damaged or foreign object). */
    readonly put: (name: string, content: string) => Promise<void>
  }>
  /** A reader of a location that does not exist. */
  readonly missing: () => Promise<ArchiveReader["Service"]>
}

const readerCases = (name: string, store: () => Store) =>
  describe(`${name}: reads back what the archive sink wrote`, () => {
    for (const layout of ["batched", "perEvent", "partitioned"] as const) {
      it(`in the ${layout} layout: every message, its event and Resource, redeliveries as extra copies`, async () => {
        const { sink, reader } = await store().fresh(layout)
        // A blob per message is slow to write: a sample of the messages is enough for those layouts.
        const sample = layout === "batched" ? messages : messages.filter((_, i) => i % 5 === 0)
        // Three writes, the last one redelivering a few messages of the first.
        const batches = [sample.slice(0, 60), sample.slice(60), sample.slice(0, 5)]
        for (const batch of batches) await Effect.runPromise(sink.write(batch))

        const entries = await entriesOf(reader)
        expect(entries.filter((entry) => entry._tag === "UnreadableLine")).toEqual([])
        const ids = idsOf(entries)
        expect(new Set(ids)).toEqual(new Set(sample.map((m) => m.messageId)))
        // Extra copies only of the redelivered messages, and only where the layout keeps them.
        expect(ids.length - sample.length).toBe(layout === "batched" ? 5 : 0)

        const written = new Map(sample.map((m) => [m.messageId, m]))
        for (const entry of entries) {
          if (entry._tag !== "ArchivedEvent") continue
          const record = written.get(entry.messageId ?? "")
          expect(entry.event).toEqual(record?.raw)
          const resource = record?.resource
          expect(entry.resource && encodeResource(entry.resource)).toEqual(
            resource?._tag === "Some" ? encodeResource(resource.value) : undefined,
          )
          expect(entry.eventTime).toBe(eventTimeOf(record))
        }
      })
    }

    it("reads from `since` on, without opening the objects of earlier hours", async () => {
      const { sink, reader, put } = await store().fresh("batched")
      await Effect.runPromise(sink.write(messages))
      // Damaged objects: one in an hour before the bound (must not be opened), one after it (reported).
      await put("events/y=2024/m=11/d=14/h=10/damaged.jsonl", "not json\n")
      await put("events/y=2024/m=11/d=14/h=12/damaged.jsonl", `not json\n${JSON.stringify({ event: agentLog() })}\n`)

      const entries = await entriesOf(reader, "2024-11-14T11:30:00Z")
      const since = Date.parse("2024-11-14T11:30:00Z")
      const expected = messages.filter((m) => eventTimeOf(m) >= since)
      expect(new Set(idsOf(entries).filter((id) => id !== ""))).toEqual(new Set(expected.map((m) => m.messageId)))
      expect(entries.filter((e) => e._tag === "UnreadableLine")).toEqual([
        {
          _tag: "UnreadableLine",
          location: "events/y=2024/m=11/d=14/h=12/damaged.jsonl:1",
          problem: expect.stringMatching(/^not JSON/),
        },
      ])
      // The readable line of the damaged object has no message id, and still counts.
      expect(entries.filter((e) => e._tag === "ArchivedEvent" && e.messageId === undefined)).toHaveLength(1)
    })

    it("fails with NotFound, naming the place, when there is no archive", async () => {
      const result = await readAll(await store().missing())
      expect(Result.isFailure(result) && result.failure).toMatchObject({
        _tag: "ArchiveReadError",
        reason: "NotFound",
        message: expect.stringMatching(/^Archive: /),
      })
    })
  })

describe("archive readers", () => {
  let azurite: AzuritePeer
  let service: BlobServiceClient
  let directory: string
  let counter = 0
  const blobOptions = (container: string) => ({
    connectionString: Redacted.make(azurite.connectionString),
    container,
    maxTries: 2,
    retryDelay: Duration.millis(5),
  })

  beforeAll(async () => {
    ;[azurite, directory] = await Promise.all([startAzurite(), mkdtemp(join(tmpdir(), "haymaker-archive-readers-"))])
    service = BlobServiceClient.fromConnectionString(azurite.connectionString)
  }, 60_000)
  afterAll(() => Promise.all([azurite?.close(), rm(directory, { recursive: true, force: true })]))

  readerCases("BlobArchiveReader against Azurite", () => ({
    fresh: async (layout) => {
      const container = `reader-${process.pid}-${++counter}`
      const sink = await Effect.runPromise(Effect.scoped(BlobArchiveSink.make({ ...blobOptions(container), layout })))
      const reader = await Effect.runPromise(BlobArchiveReader.make(blobOptions(container)))
      const put = async (name: string, content: string) => {
        await service.getContainerClient(container).getBlockBlobClient(name).upload(content, Buffer.byteLength(content))
      }
      return { sink, reader, put }
    },
    missing: () => Effect.runPromise(BlobArchiveReader.make(blobOptions("no-such-container"))),
  }))

  readerCases("FileArchiveReader", () => ({
    fresh: async (layout) => {
      const folder = join(directory, `case-${++counter}`)
      const sink = await Effect.runPromise(FileArchiveSink.make({ directory: folder, layout }))
      const reader = await Effect.runPromise(FileArchiveReader.make({ directory: folder }))
      const put = async (name: string, content: string) => {
        const path = join(folder, "archive", name)
        await mkdir(dirname(path), { recursive: true })
        await writeFile(path, content)
      }
      return { sink, reader, put }
    },
    missing: () => Effect.runPromise(FileArchiveReader.make({ directory: join(directory, "nothing-here") })),
  }))

  it("BlobArchiveReader: an unreachable account is Unavailable, and the message carries no secret", async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number }
        server.close(() => resolve(port))
      })
    })
    const connectionString = azurite.connectionString.replace(`:${azurite.port}/`, `:${port}/`)
    const reader = await Effect.runPromise(
      BlobArchiveReader.make({ connectionString: Redacted.make(connectionString), maxTries: 1 }),
    )
    const result = await readAll(reader)
    const failure = Result.isFailure(result) ? (result.failure as ArchiveReadError) : undefined
    expect(failure).toMatchObject({ reason: "Unavailable", message: expect.stringContaining(`127.0.0.1:${port}`) })
    expect(failure?.message).not.toContain(azurite.accountKey)
    expect(reader.description).toBe(
      `Blob container haymaker-events at http://127.0.0.1:${port}/devstoreaccount1/haymaker-events, prefix events`,
    )
  })

  it("reads a seed-format archive (`events/{time}/{resource id}.json`, no event) written by hand", async () => {
    const container = `reader-seed-${process.pid}`
    const client = service.getContainerClient(container)
    await client.create()
    const line: JsonObject = {
      resource: {
        resource_id: `${VM_ID}9`,
        resource_type: "Microsoft.Compute/virtualMachines",
        resource_name: "vm9",
        scenario_name: "seed",
        run_id: "run-seed",
        created_at: "2024-11-14T12:00:00",
        status: "created",
        tags: {},
      },
      archived_at: "2024-11-14T12:00:01.123456",
    }
    const content = JSON.stringify(line)
    await client
      .getBlockBlobClient(`events/2024-11-14T12:00:01.123456/subscriptions/sub1/vm9.json`)
      .upload(content, content.length)
    const reader = await Effect.runPromise(BlobArchiveReader.make(blobOptions(container)))
    const entries = await entriesOf(reader)
    expect(entries.map((e) => (e._tag === "ArchivedEvent" ? [e.resource?.runId, e.eventTime] : e))).toEqual([
      ["run-seed", Date.parse("2024-11-14T12:00:00Z")],
    ])
  })
})
