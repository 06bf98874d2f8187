import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { BlobServiceClient } from "@azure/storage-blob"
import { describe, expect, layer, type Vitest } from "@effect/vitest"
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
import { Cause, Context, DateTime, Duration, Effect, Layer, Redacted, Stream } from "effect"
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

const entriesOf = (reader: ArchiveReader["Service"], since?: string) =>
  Stream.runCollect(reader.entries({ since: since === undefined ? undefined : DateTime.makeUnsafe(since) }))

interface Store {
  /** A sink and a reader over the same fresh location (container, folder). */
  readonly fresh: (layout: ArchiveLayout) => Effect.Effect<{
    readonly sink: ArchiveSink["Service"]
    readonly reader: ArchiveReader["Service"]
    /** Stores an object as is, bypassing the sink (a damaged or foreign object). */
    readonly put: (name: string, content: string) => Effect.Effect<void>
  }>
  /** A reader of a location that does not exist. */
  readonly missing: Effect.Effect<ArchiveReader["Service"]>
}

const readerCases = (it: Vitest.MethodsNonLive<Peers>, name: string, store: Effect.Effect<Store, never, Peers>) =>
  describe(`${name}: reads back what the archive sink wrote`, () => {
    for (const layout of ["batched", "perEvent", "partitioned"] as const) {
      it.effect(`in the ${layout} layout: every message, its event and Resource, redeliveries as extra copies`, () =>
        Effect.gen(function* () {
          const { sink, reader } = yield* (yield* store).fresh(layout)
          // A blob per message is slow to write: a sample of the messages is enough for those layouts.
          const sample = layout === "batched" ? messages : messages.filter((_, i) => i % 5 === 0)
          // Three writes, the last one redelivering a few messages of the first.
          const batches = [sample.slice(0, 60), sample.slice(60), sample.slice(0, 5)]
          for (const batch of batches) yield* sink.write(batch)

          const entries = yield* entriesOf(reader)
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
        }),
      )
    }

    it.effect("reads from `since` on, without opening the objects of earlier hours", () =>
      Effect.gen(function* () {
        const { sink, reader, put } = yield* (yield* store).fresh("batched")
        yield* sink.write(messages)
        // Damaged objects: one in an hour before the bound (must not be opened), one after it (reported).
        yield* put("events/y=2024/m=11/d=14/h=10/damaged.jsonl", "not json\n")
        yield* put("events/y=2024/m=11/d=14/h=12/damaged.jsonl", `not json\n${JSON.stringify({ event: agentLog() })}\n`)

        const entries = yield* entriesOf(reader, "2024-11-14T11:30:00Z")
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
        expect(
          entries.filter((e) => e._tag === "ArchivedEvent" && e.messageId === undefined).map((e) => e._tag),
        ).toEqual(["ArchivedEvent"])
      }),
    )

    it.effect("reads an object of many read chunks whole, and a stream stopped early can be run again", () =>
      Effect.gen(function* () {
        const { reader, put } = yield* (yield* store).fresh("batched")
        // About 2 MB in one object, lines of many lengths, so lines cross the edges of chunks and downloads.
        const lines = Array.from(
          { length: 1_500 },
          (_, i) => `${JSON.stringify({ event: { ...agentLog({ i, text: "y".repeat((i * 997) % 2_600) }) } })}\n`,
        )
        yield* put("events/y=2024/m=11/d=14/h=10/large.jsonl", lines.join(""))
        yield* put("events/y=2024/m=11/d=14/h=11/small.jsonl", lines.slice(0, 3).join(""))

        const firstTwo = yield* Stream.runCollect(Stream.take(reader.entries(), 2))
        expect(firstTwo.map((entry) => entry.location)).toEqual([
          "events/y=2024/m=11/d=14/h=10/large.jsonl:1",
          "events/y=2024/m=11/d=14/h=10/large.jsonl:2",
        ])
        const entries = yield* entriesOf(reader)
        expect(entries.filter((entry) => entry._tag === "UnreadableLine")).toEqual([])
        expect(entries.length).toBe(1_503)
        const large = entries.filter((entry) => entry.location.includes("large"))
        expect(large.map((entry) => entry._tag === "ArchivedEvent" && entry.event.details)).toEqual(
          lines.map((_, i) => ({ i, text: "y".repeat((i * 997) % 2_600) })),
        )
        expect(large.map((entry) => entry.location)).toEqual(
          lines.map((_, i) => `events/y=2024/m=11/d=14/h=10/large.jsonl:${i + 1}`),
        )
        // forEach hands over the same entries, in the same order, one at a time.
        const handed: Array<ArchiveEntry> = []
        yield* reader.forEach({}, (entry) => handed.push(entry))
        expect(handed).toEqual(entries)
        const since: Array<ArchiveEntry> = []
        yield* reader.forEach({ since: DateTime.makeUnsafe("2024-11-14T11:00:00Z") }, (entry) => since.push(entry))
        expect(since).toEqual(yield* entriesOf(reader, "2024-11-14T11:00:00Z"))
        // What the fold throws is a defect of the fold, not a failure to read the archive.
        const exit = yield* Effect.exit(
          reader.forEach({}, () => {
            throw new Error("a bug in the fold")
          }),
        )
        expect(exit._tag === "Failure" && Cause.hasDies(exit.cause) && !Cause.hasFails(exit.cause)).toBe(true)
      }),
    )

    it.effect("fails with NotFound, naming the place, when there is no archive", () =>
      Effect.gen(function* () {
        const missing = yield* (yield* store).missing
        const failure = yield* Effect.flip(entriesOf(missing))
        expect(failure).toMatchObject({
          _tag: "ArchiveReadError",
          reason: "NotFound",
          message: expect.stringMatching(/^Archive: /),
        })
        expect(yield* Effect.flip(missing.forEach({}, () => undefined))).toEqual(failure)
      }),
    )
  })

/** Azurite and a temporary folder for the suite; removed when it ends. */
class Peers extends Context.Service<
  Peers,
  { readonly azurite: AzuritePeer; readonly service: BlobServiceClient; readonly directory: string }
>()("adapters-sinks/test/archiveReaders/Peers") {
  static readonly layer = Layer.effect(
    Peers,
    Effect.all(
      {
        azurite: Effect.acquireRelease(
          Effect.promise(() => startAzurite()),
          (azurite) => Effect.promise(() => azurite.close()),
        ),
        directory: Effect.acquireRelease(
          Effect.promise(() => mkdtemp(join(tmpdir(), "haymaker-archive-readers-"))),
          (directory) => Effect.promise(() => rm(directory, { recursive: true, force: true })),
        ),
      },
      { concurrency: 2 },
    ).pipe(
      Effect.map(({ azurite, directory }) => ({
        azurite,
        directory,
        service: BlobServiceClient.fromConnectionString(azurite.connectionString),
      })),
    ),
  )
}

let counter = 0
const blobOptions = (azurite: AzuritePeer, container: string) => ({
  connectionString: Redacted.make(azurite.connectionString),
  container,
  maxTries: 2,
  retryDelay: Duration.millis(5),
})

layer(Peers.layer, { timeout: "60 seconds", excludeTestServices: true })("archive readers", (it) => {
  readerCases(
    it,
    "BlobArchiveReader against Azurite",
    Effect.map(Peers, ({ azurite, service }) => ({
      fresh: (layout) =>
        Effect.gen(function* () {
          const container = `reader-${process.pid}-${++counter}`
          const sink = yield* Effect.scoped(BlobArchiveSink.make({ ...blobOptions(azurite, container), layout }))
          const reader = yield* BlobArchiveReader.make(blobOptions(azurite, container))
          const put = (name: string, content: string) =>
            Effect.promise(() =>
              service
                .getContainerClient(container)
                .getBlockBlobClient(name)
                .upload(content, Buffer.byteLength(content)),
            ).pipe(Effect.asVoid)
          return { sink, reader, put }
        }).pipe(Effect.orDie),
      missing: BlobArchiveReader.make(blobOptions(azurite, "no-such-container")).pipe(Effect.orDie),
    })),
  )

  readerCases(
    it,
    "FileArchiveReader",
    Effect.map(Peers, ({ directory }) => ({
      fresh: (layout) =>
        Effect.gen(function* () {
          const folder = join(directory, `case-${++counter}`)
          const sink = yield* FileArchiveSink.make({ directory: folder, layout })
          const reader = yield* FileArchiveReader.make({ directory: folder })
          const put = (name: string, content: string) =>
            Effect.promise(async () => {
              const path = join(folder, "archive", name)
              await mkdir(dirname(path), { recursive: true })
              await writeFile(path, content)
            })
          return { sink, reader, put }
        }).pipe(Effect.orDie),
      missing: FileArchiveReader.make({ directory: join(directory, "nothing-here") }).pipe(Effect.orDie),
    })),
  )

  it.effect("BlobArchiveReader: an unreachable account is Unavailable, and the message carries no secret", () =>
    Effect.gen(function* () {
      const { azurite } = yield* Peers
      const port = yield* Effect.promise(
        () =>
          new Promise<number>((resolve) => {
            const server = createServer().listen(0, "127.0.0.1", () => {
              const { port } = server.address() as { port: number }
              server.close(() => resolve(port))
            })
          }),
      )
      const connectionString = azurite.connectionString.replace(`:${azurite.port}/`, `:${port}/`)
      const reader = yield* BlobArchiveReader.make({ connectionString: Redacted.make(connectionString), maxTries: 1 })
      const failure: ArchiveReadError = yield* Effect.flip(entriesOf(reader))
      expect(failure).toMatchObject({ reason: "Unavailable", message: expect.stringContaining(`127.0.0.1:${port}`) })
      expect(failure.message).not.toContain(azurite.accountKey)
      expect(reader.description).toBe(
        `Blob container haymaker-events at http://127.0.0.1:${port}/devstoreaccount1/haymaker-events, prefix events`,
      )
    }),
  )

  it.effect("reads a seed-format archive (`events/{time}/{resource id}.json`, no event) written by hand", () =>
    Effect.gen(function* () {
      const { azurite, service } = yield* Peers
      const container = `reader-seed-${process.pid}`
      const client = service.getContainerClient(container)
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
      yield* Effect.promise(async () => {
        await client.create()
        await client
          .getBlockBlobClient(`events/2024-11-14T12:00:01.123456/subscriptions/sub1/vm9.json`)
          .upload(content, content.length)
      })
      const reader = yield* BlobArchiveReader.make(blobOptions(azurite, container))
      const entries = yield* entriesOf(reader)
      expect(entries.map((e) => (e._tag === "ArchivedEvent" ? [e.resource?.runId, e.eventTime] : e))).toEqual([
        ["run-seed", Date.parse("2024-11-14T12:00:00Z")],
      ])
    }),
  )
})
