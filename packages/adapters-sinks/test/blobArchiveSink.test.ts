import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  type ContainerClient,
  generateAccountSASQueryParameters,
  StorageSharedKeyCredential,
} from "@azure/storage-blob"
import { expect, layer } from "@effect/vitest"
import type { SinkRecord, SinkWriteError } from "@haymaker/domain"
import { type AzuritePeer, startAzurite } from "@haymaker/local-stack"
import { Context, Duration, Effect, Layer, Redacted } from "effect"
import type { ArchiveSinkOptions } from "../src/archive/ArchiveConfig.ts"
import * as BlobArchiveSink from "../src/archive/BlobArchiveSink.ts"
import { MAX_BLOB_NAME_LENGTH } from "../src/archive/BlobNames.ts"
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
import { scopedAzurite } from "./peers.ts"

type Sink = Effect.Success<ReturnType<typeof BlobArchiveSink.make>>

let containerCounter = 0
const freshContainer = () => `archive-test-${process.pid}-${++containerCounter}`

const listNames = (container: ContainerClient): Effect.Effect<Array<string>> =>
  Effect.promise(async () => {
    const names: Array<string> = []
    for await (const blob of container.listBlobsFlat()) names.push(blob.name)
    return names.sort()
  })

const download = (container: ContainerClient, name: string): Effect.Effect<string> =>
  Effect.promise(async () => (await container.getBlobClient(name).downloadToBuffer()).toString())

const messageIdsIn = (content: string) =>
  content
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line).message.message_id as string)

/** A batch blob's name: the hour folder of its events, then a hash of its message ids. */
const BATCH_NAME = /^events\/y=2024\/m=11\/d=14\/h=(\d\d)\/[0-9a-f]{32}\.jsonl$/

/** Azurite for the suite, and the sink options that reach it. */
class Storage extends Context.Service<Storage, { readonly azurite: AzuritePeer; readonly base: ArchiveSinkOptions }>()(
  "adapters-sinks/test/blobArchiveSink/Storage",
) {
  static readonly layer = Layer.effect(
    Storage,
    Effect.map(scopedAzurite, (azurite) => ({
      azurite,
      base: { connectionString: Redacted.make(azurite.connectionString), maxTries: 2, retryDelay: Duration.millis(5) },
    })),
  )
}

/** A sink made with the suite's options and `overrides`, used by `use`, closed after. */
const withSink = <A, E>(overrides: Partial<ArchiveSinkOptions>, use: (sink: Sink) => Effect.Effect<A, E>) =>
  Effect.flatMap(Storage, ({ base }) =>
    Effect.scoped(Effect.flatMap(BlobArchiveSink.make({ ...base, ...overrides }), use)),
  )

/** Writes each batch in turn; the sink's container. */
const write = (overrides: Partial<ArchiveSinkOptions>, ...batches: Array<ReadonlyArray<SinkRecord>>) =>
  withSink(overrides, (sink) =>
    Effect.gen(function* () {
      for (const batch of batches) yield* sink.write(batch)
      return sink.container
    }),
  )

/** The SinkWriteError an effect fails with (any other outcome fails the test). */
const sinkWriteError = <A, E extends { readonly _tag: string }>(
  effect: Effect.Effect<A, E | SinkWriteError, Storage>,
) =>
  Effect.flatMap(Effect.flip(effect), (failure) =>
    failure._tag === "SinkWriteError"
      ? Effect.succeed(failure as SinkWriteError)
      : Effect.die(new Error(`expected a SinkWriteError, got ${failure._tag}`)),
  )

layer(Storage.layer, { timeout: "60 seconds", excludeTestServices: true })(
  "BlobArchiveSink over BlobServiceClient against Azurite",
  (it) => {
    it.effect(
      "creates the container and, by default, writes one JSON-lines blob per write and hour of event time",
      () =>
        Effect.gen(function* () {
          const nextHour = sinkRecord("m4", { ...agentLog(), timestamp: "2024-11-14T13:05:00Z" })
          const records = [resourceMessage("m1"), agentLogMessage("m2"), nextHour, otherMessage("m3")]

          const container = yield* write({ container: freshContainer() }, records)

          const names = yield* listNames(container)
          expect(names.map((name) => BATCH_NAME.exec(name)?.[1])).toEqual(["12", "13"])
          const [noon, one] = yield* Effect.forEach(names, (name) => download(container, name))
          expect(messageIdsIn(noon ?? "")).toEqual(["m1", "m2", "m3"])
          expect(messageIdsIn(one ?? "")).toEqual(["m4"])
          expect(JSON.parse(noon?.split("\n")[0] ?? "")).toEqual({
            message: { message_id: "m1", sequence_number: records[0]?.key, enqueued_time: "2024-11-14T12:00:01.000Z" },
            event: records[0]?.raw,
            resource: resourceDump(1),
            archived_at: expect.any(String),
          })
          const properties = yield* Effect.promise(() => container.getBlobClient(names[0] ?? "").getProperties())
          expect(properties.contentType).toBe("application/x-ndjson")
        }),
    )

    it.effect(
      "batched: a retried write finds its blob, a redelivery in a later batch adds a copy carrying its message_id",
      () =>
        Effect.gen(function* () {
          const [a, b, c] = [resourceMessage("a"), agentLogMessage("b"), otherMessage("c")] as const
          const container = yield* write({ container: freshContainer() }, [a, b])
          const [first] = yield* listNames(container)
          const content = yield* download(container, first ?? "")

          // The worker retries exactly the records that failed, possibly in another order and with repeats.
          yield* write({ container: container.containerName }, [b, a, b], [a, c])

          const names = yield* listNames(container)
          expect(names).toHaveLength(2)
          expect(yield* download(container, first ?? "")).toBe(content)
          const later = names.find((name) => name !== first) ?? ""
          expect(messageIdsIn(yield* download(container, later))).toEqual(["a", "c"])
        }),
    )

    it.effect("partitioned: writes one JSON-lines blob per message: raw event, resource, metadata, archived_at", () =>
      Effect.gen(function* () {
        const records = [
          resourceMessage("m1", 1, undefined, 1n),
          agentLogMessage("m2", undefined, 2n),
          otherMessage("m3"),
        ]

        const container = yield* write({ container: freshContainer(), layout: "partitioned" }, records)

        const names = records.map((record) => `events/y=2024/m=11/d=14/h=12/${record.key}.jsonl`)
        expect(yield* listNames(container)).toEqual([...names].sort())
        const line = yield* download(container, names[0] ?? "")
        expect(line.endsWith("\n")).toBe(true)
        expect(line.trim().split("\n")).toHaveLength(1)
        const archived = JSON.parse(line)
        expect(archived).toEqual({
          message: { message_id: "m1", sequence_number: "1", enqueued_time: "2024-11-14T12:00:01.000Z" },
          event: records[0]?.raw,
          resource: resourceDump(1),
          archived_at: expect.any(String),
        })
        expect(Date.parse(archived.archived_at)).not.toBeNaN()
        expect(JSON.parse(yield* download(container, names[2] ?? "")).resource).toBeNull()
        const properties = yield* Effect.promise(() => container.getBlobClient(names[0] ?? "").getProperties())
        expect(properties.contentType).toBe("application/x-ndjson")
      }),
    )

    it.effect("partitioned: redelivered and repeated messages leave one blob with the first content", () =>
      Effect.gen(function* () {
        const record = resourceMessage("dup-1")
        const name = `events/y=2024/m=11/d=14/h=12/${record.key}.jsonl`
        const container = yield* write({ container: freshContainer(), layout: "partitioned" }, [record, record])
        const first = yield* download(container, name)

        yield* write({ container: container.containerName, layout: "partitioned" }, [record], [record])

        expect(yield* listNames(container)).toEqual([name])
        expect(yield* download(container, name)).toBe(first)
      }),
    )

    it.effect(
      "stores hostile ids under safe, distinct names in the per-message layouts (message ids never name a blob)",
      () =>
        Effect.gen(function* () {
          const hostileIds = [
            "..",
            "../../x",
            "%2F..%2Fescape",
            "y".repeat(4_000),
            "ünïcödé-日本語",
            "emoji-🚀",
            "a/./b//c",
          ]
          const hostile = hostileIds.map((id) => agentLogMessage(id))
          const partitioned = yield* write({ container: freshContainer(), layout: "partitioned" }, hostile)
          const perEvent = yield* write(
            { container: freshContainer(), layout: "perEvent" },
            hostileIds.map((id, n) => resourceMessage(`r-${n}`, n, `/subscriptions/S/${id}`)),
          )

          const partitionedNames = yield* listNames(partitioned)
          const perEventNames = yield* listNames(perEvent)
          for (const names of [partitionedNames, perEventNames]) {
            expect(names).toHaveLength(hostileIds.length)
            for (const name of names) {
              const segments = name.split("/")
              expect(name.length).toBeLessThanOrEqual(MAX_BLOB_NAME_LENGTH)
              expect(name).not.toContain("%")
              expect(segments).not.toContain("..")
              expect(segments).not.toContain(".")
              expect(segments).not.toContain("")
            }
          }
          expect(partitionedNames).toEqual(
            hostile.map((record) => `events/y=2024/m=11/d=14/h=12/${record.key}.jsonl`).sort(),
          )
          expect(
            perEventNames.every((name) => name.startsWith("events/2024-11-14T12:00:00.000Z/subscriptions/s/")),
          ).toBe(true)
        }),
    )

    it.effect("writes the seed's per-event layout: events/{timestamp}/{resource_id}.json", () =>
      Effect.gen(function* () {
        const container = yield* write({ container: freshContainer(), layout: "perEvent" }, [resourceMessage("m1")])

        const [name] = yield* listNames(container)
        expect(name).toBe(
          "events/2024-11-14T12:00:00.000Z/subscriptions/sub1/resourcegroups/rg1/providers/microsoft.compute/virtualmachines/vm11.json",
        )
        expect(JSON.parse(yield* download(container, name ?? "")).resource).toEqual(resourceDump(1))
      }),
    )

    it.effect("perEvent: two events of one resource at the same time both land, each once under redelivery", () =>
      Effect.gen(function* () {
        const created = resourceMessage("c-1")
        const deleted = resourceDeletedMessage("d-1")
        const container = yield* write({ container: freshContainer(), layout: "perEvent" }, [created], [deleted])
        yield* write({ container: container.containerName, layout: "perEvent" }, [deleted, created])

        const names = yield* listNames(container)
        expect(names).toHaveLength(2)
        expect(names.filter((name) => /\/vm11~[0-9a-f]{12}\.json$/.test(name))).toHaveLength(1)
        const ids = yield* Effect.forEach(names, (name) => Effect.map(download(container, name), messageIdsIn))
        expect(ids.flat().sort()).toEqual(["c-1", "d-1"])
      }),
    )

    it.effect("recreates a container deleted while the sink runs", () =>
      Effect.gen(function* () {
        const contents = yield* withSink({ container: freshContainer() }, (sink) =>
          Effect.gen(function* () {
            yield* Effect.promise(() => sink.container.delete())
            yield* sink.write([resourceMessage("after-delete")])
            const names = yield* listNames(sink.container)
            return yield* Effect.forEach(names, (name) => download(sink.container, name))
          }),
        )
        expect(contents.map(messageIdsIn)).toEqual([["after-delete"]])
      }),
    )

    it.effect(
      "fails with a transient typed error naming every message when the storage account becomes unreachable",
      () =>
        Effect.gen(function* () {
          const doomed = yield* Effect.promise(() => startAzurite())
          const failure = yield* sinkWriteError(
            withSink(
              { connectionString: Redacted.make(doomed.connectionString), container: freshContainer(), maxTries: 1 },
              (sink) =>
                Effect.gen(function* () {
                  yield* Effect.promise(() => doomed.close())
                  return yield* sink.write([resourceMessage("lost-1"), agentLogMessage("lost-2")])
                }),
            ),
          )
          expect(failure.sink).toBe("Archive")
          expect(failedIds(failure).sort()).toEqual(["lost-1", "lost-2"])
          expect(failure.transient).toBe(true)
          expect(failure.message).toContain("2 of 2 messages were not stored")
          expect(failure.message).not.toContain(doomed.accountKey)
        }),
      60_000,
    )

    it.effect(
      "probes the permission to write too: a credential that may only read fails the probe (403), storing nothing",
      () =>
        Effect.gen(function* () {
          const { azurite } = yield* Storage
          const container = freshContainer()
          const readOnlySas = generateAccountSASQueryParameters(
            {
              permissions: AccountSASPermissions.parse("rl"),
              resourceTypes: AccountSASResourceTypes.parse("sco").toString(),
              services: AccountSASServices.parse("b").toString(),
              expiresOn: new Date(Date.now() + 3_600_000),
            },
            new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey),
          ).toString()
          const blobEndpoint = /BlobEndpoint=([^;]+)/.exec(azurite.connectionString)?.[1] ?? ""
          const readOnly = Redacted.make(`BlobEndpoint=${blobEndpoint};SharedAccessSignature=${readOnlySas}`)

          const allowed = yield* withSink({ container }, (sink) =>
            Effect.gen(function* () {
              yield* sink.probe
              return yield* listNames(sink.container)
            }),
          )
          const refused = yield* sinkWriteError(
            withSink({ container, connectionString: readOnly }, (sink) =>
              Effect.gen(function* () {
                // It may read the container: what the probe did before, which passed.
                expect(yield* Effect.promise(() => sink.container.exists())).toBe(true)
                return yield* sink.probe
              }),
            ),
          )

          expect(allowed).toEqual([])
          expect(refused.kind).toBe("Unavailable")
          expect(refused.failedKeys).toEqual([])
          expect(refused.message).toContain("403 AuthorizationPermissionMismatch")
          expect(refused.message).not.toContain(readOnlySas)
        }),
    )

    it.effect(
      "refuses settings with neither or both of connection string and account URL, or a bad container name",
      () =>
        Effect.gen(function* () {
          const { base } = yield* Storage
          const { connectionString: _, ...neither } = base
          const failures = [
            yield* Effect.flip(Effect.scoped(BlobArchiveSink.make(neither))),
            yield* Effect.flip(withSink({ accountUrl: "https://acct.blob.core.windows.net" }, () => Effect.void)),
            yield* Effect.flip(withSink({ container: "Bad_Name" }, () => Effect.void)),
          ]

          expect(failures.map((failure) => failure._tag)).toEqual([
            "ArchiveConfigError",
            "ArchiveConfigError",
            "ArchiveConfigError",
          ])
          expect(failures[0]?.message).toContain("exactly one of")
          expect(failures[2]?.message).toContain("container")
        }),
    )

    it.effect("fails the layer with a config error when the container cannot be prepared", () =>
      Effect.gen(function* () {
        const { azurite } = yield* Storage
        const failure = yield* Effect.flip(
          withSink(
            {
              connectionString: Redacted.make(
                azurite.connectionString.replace(/AccountKey=[^;]+/, "AccountKey=d3Jvbmc="),
              ),
              container: freshContainer(),
            },
            () => Effect.void,
          ),
        )

        expect(failure._tag).toBe("ArchiveConfigError")
        expect(failure.message).toMatch(/container archive-test-\S+ is not usable/)
      }),
    )
  },
)
