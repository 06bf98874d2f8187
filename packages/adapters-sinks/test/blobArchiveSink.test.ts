import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  type ContainerClient,
  generateAccountSASQueryParameters,
  StorageSharedKeyCredential,
} from "@azure/storage-blob"
import type { SinkRecord, SinkWriteError } from "@haymaker/domain"
import { type AzuritePeer, startAzurite } from "@haymaker/local-stack"
import { Duration, Effect, Redacted, type Result } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { ArchiveSinkOptions } from "../src/archive/ArchiveConfig.ts"
import type { ArchiveConfigError } from "../src/archive/ArchiveErrors.ts"
import * as BlobArchiveSink from "../src/archive/BlobArchiveSink.ts"
import { MAX_BLOB_NAME_LENGTH } from "../src/archive/BlobNames.ts"
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

type Sink = Effect.Success<ReturnType<typeof BlobArchiveSink.make>>

let containerCounter = 0
const freshContainer = () => `archive-test-${process.pid}-${++containerCounter}`

const listNames = async (container: ContainerClient) => {
  const names: Array<string> = []
  for await (const blob of container.listBlobsFlat()) names.push(blob.name)
  return names.sort()
}

const download = async (container: ContainerClient, name: string) =>
  (await container.getBlobClient(name).downloadToBuffer()).toString()

const messageIdsIn = (content: string) =>
  content
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line).message.message_id as string)

/** A batch blob's name: the hour folder of its events, then a hash of its message ids. */
const BATCH_NAME = /^events\/y=2024\/m=11\/d=14\/h=(\d\d)\/[0-9a-f]{32}\.jsonl$/

describe("BlobArchiveSink over BlobServiceClient against Azurite", () => {
  let azurite: AzuritePeer
  let base: ArchiveSinkOptions

  const withSink = <A>(
    overrides: Partial<ArchiveSinkOptions>,
    use: (sink: Sink) => Effect.Effect<A, SinkWriteError>,
  ): Promise<Result.Result<A, SinkWriteError | ArchiveConfigError>> =>
    Effect.runPromise(
      Effect.scoped(Effect.flatMap(BlobArchiveSink.make({ ...base, ...overrides }), use)).pipe(Effect.result),
    )

  const write = async (overrides: Partial<ArchiveSinkOptions>, ...batches: Array<ReadonlyArray<SinkRecord>>) => {
    const result = await withSink(overrides, (sink) =>
      Effect.gen(function* () {
        for (const batch of batches) yield* sink.write(batch)
        return sink.container
      }),
    )
    if (result._tag === "Failure") throw result.failure
    return result.success
  }

  beforeAll(async () => {
    azurite = await startAzurite()
    base = { connectionString: Redacted.make(azurite.connectionString), maxTries: 2, retryDelay: Duration.millis(5) }
  }, 60_000)
  afterAll(() => azurite?.close())

  it("creates the container and, by default, writes one JSON-lines blob per write and hour of event time", async () => {
    const nextHour = sinkRecord("m4", { ...agentLog(), timestamp: "2024-11-14T13:05:00Z" })
    const records = [resourceMessage("m1"), agentLogMessage("m2"), nextHour, otherMessage("m3")]

    const container = await write({ container: freshContainer() }, records)

    const names = await listNames(container)
    expect(names.map((name) => BATCH_NAME.exec(name)?.[1])).toEqual(["12", "13"])
    const [noon, one] = await Promise.all(names.map((name) => download(container, name)))
    expect(messageIdsIn(noon ?? "")).toEqual(["m1", "m2", "m3"])
    expect(messageIdsIn(one ?? "")).toEqual(["m4"])
    expect(JSON.parse(noon?.split("\n")[0] ?? "")).toEqual({
      message: { message_id: "m1", sequence_number: records[0]?.key, enqueued_time: "2024-11-14T12:00:01.000Z" },
      event: records[0]?.raw,
      resource: resourceDump(1),
      archived_at: expect.any(String),
    })
    expect((await container.getBlobClient(names[0] ?? "").getProperties()).contentType).toBe("application/x-ndjson")
  })

  it("batched: a retried write finds its blob, a redelivery in a later batch adds a copy carrying its message_id", async () => {
    const [a, b, c] = [resourceMessage("a"), agentLogMessage("b"), otherMessage("c")] as const
    const container = await write({ container: freshContainer() }, [a, b])
    const [first] = await listNames(container)
    const content = await download(container, first ?? "")

    // The worker retries exactly the records that failed, possibly in another order and with repeats.
    await write({ container: container.containerName }, [b, a, b], [a, c])

    const names = await listNames(container)
    expect(names).toHaveLength(2)
    expect(await download(container, first ?? "")).toBe(content)
    const later = names.find((name) => name !== first) ?? ""
    expect(messageIdsIn(await download(container, later))).toEqual(["a", "c"])
  })

  it("partitioned: writes one JSON-lines blob per message: raw event, resource, metadata, archived_at", async () => {
    const records = [resourceMessage("m1", 1, undefined, 1n), agentLogMessage("m2", undefined, 2n), otherMessage("m3")]

    const container = await write({ container: freshContainer(), layout: "partitioned" }, records)

    const names = records.map((record) => `events/y=2024/m=11/d=14/h=12/${record.key}.jsonl`)
    expect(await listNames(container)).toEqual([...names].sort())
    const line = await download(container, names[0] ?? "")
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
    expect(JSON.parse(await download(container, names[2] ?? "")).resource).toBeNull()
    const properties = await container.getBlobClient(names[0] ?? "").getProperties()
    expect(properties.contentType).toBe("application/x-ndjson")
  })

  it("partitioned: redelivered and repeated messages leave one blob with the first content", async () => {
    const record = resourceMessage("dup-1")
    const name = `events/y=2024/m=11/d=14/h=12/${record.key}.jsonl`
    const container = await write({ container: freshContainer(), layout: "partitioned" }, [record, record])
    const first = await download(container, name)

    await write({ container: container.containerName, layout: "partitioned" }, [record], [record])

    expect(await listNames(container)).toEqual([name])
    expect(await download(container, name)).toBe(first)
  })

  it("stores hostile ids under safe, distinct names in the per-message layouts (message ids never name a blob)", async () => {
    const hostileIds = ["..", "../../x", "%2F..%2Fescape", "y".repeat(4_000), "ünïcödé-日本語", "emoji-🚀", "a/./b//c"]
    const hostile = hostileIds.map((id) => agentLogMessage(id))
    const partitioned = await write({ container: freshContainer(), layout: "partitioned" }, hostile)
    const perEvent = await write(
      { container: freshContainer(), layout: "perEvent" },
      hostileIds.map((id, n) => resourceMessage(`r-${n}`, n, `/subscriptions/S/${id}`)),
    )

    const partitionedNames = await listNames(partitioned)
    const perEventNames = await listNames(perEvent)
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
    expect(partitionedNames).toEqual(hostile.map((record) => `events/y=2024/m=11/d=14/h=12/${record.key}.jsonl`).sort())
    expect(perEventNames.every((name) => name.startsWith("events/2024-11-14T12:00:00.000Z/subscriptions/s/"))).toBe(
      true,
    )
  })

  it("writes the seed's per-event layout: events/{timestamp}/{resource_id}.json", async () => {
    const container = await write({ container: freshContainer(), layout: "perEvent" }, [resourceMessage("m1")])

    const [name] = await listNames(container)
    expect(name).toBe(
      "events/2024-11-14T12:00:00.000Z/subscriptions/sub1/resourcegroups/rg1/providers/microsoft.compute/virtualmachines/vm11.json",
    )
    expect(JSON.parse(await download(container, name ?? "")).resource).toEqual(resourceDump(1))
  })

  it("perEvent: two events of one resource at the same time both land, each once under redelivery", async () => {
    const created = resourceMessage("c-1")
    const deleted = sinkRecord(
      "d-1",
      { ...resourceCreated(1), event_type: "resource_deleted" },
      { ...resourceDump(1), status: "deleted", deleted_at: "2024-11-14T12:00:00.000Z" },
    )
    const container = await write({ container: freshContainer(), layout: "perEvent" }, [created], [deleted])
    await write({ container: container.containerName, layout: "perEvent" }, [deleted, created])

    const names = await listNames(container)
    expect(names).toHaveLength(2)
    expect(names.filter((name) => /\/vm11~[0-9a-f]{12}\.json$/.test(name))).toHaveLength(1)
    const ids = await Promise.all(names.map(async (name) => messageIdsIn(await download(container, name))))
    expect(ids.flat().sort()).toEqual(["c-1", "d-1"])
  })

  it("recreates a container deleted while the sink runs", async () => {
    const result = await withSink({ container: freshContainer() }, (sink) =>
      Effect.gen(function* () {
        yield* Effect.promise(() => sink.container.delete())
        yield* sink.write([resourceMessage("after-delete")])
        const names = yield* Effect.promise(() => listNames(sink.container))
        return yield* Effect.promise(() => Promise.all(names.map((name) => download(sink.container, name))))
      }),
    )
    if (result._tag !== "Success") throw result.failure
    expect(result.success.map(messageIdsIn)).toEqual([["after-delete"]])
  })

  it("fails with a transient typed error naming every message when the storage account becomes unreachable", async () => {
    const doomed = await startAzurite()
    const result = await withSink(
      { connectionString: Redacted.make(doomed.connectionString), container: freshContainer(), maxTries: 1 },
      (sink) =>
        Effect.gen(function* () {
          yield* Effect.promise(() => doomed.close())
          return yield* sink.write([resourceMessage("lost-1"), agentLogMessage("lost-2")])
        }),
    )

    if (result._tag !== "Failure" || result.failure._tag !== "SinkWriteError") throw new Error(String(result))
    expect(result.failure.sink).toBe("Archive")
    expect(failedIds(result.failure).sort()).toEqual(["lost-1", "lost-2"])
    expect(result.failure.transient).toBe(true)
    expect(result.failure.message).toContain("2 of 2 messages were not stored")
    expect(result.failure.message).not.toContain(doomed.accountKey)
  }, 60_000)

  it("probes the permission to write too: a credential that may only read fails the probe (403), storing nothing", async () => {
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

    const allowed = await withSink({ container }, (sink) =>
      Effect.gen(function* () {
        yield* sink.probe
        return yield* Effect.promise(() => listNames(sink.container))
      }),
    )
    const refused = await withSink({ container, connectionString: readOnly }, (sink) =>
      Effect.gen(function* () {
        // It may read the container: what the probe did before, which passed.
        expect(yield* Effect.promise(() => sink.container.exists())).toBe(true)
        return yield* sink.probe
      }),
    )

    if (allowed._tag !== "Success") throw allowed.failure
    expect(allowed.success).toEqual([])
    if (refused._tag !== "Failure" || refused.failure._tag !== "SinkWriteError") throw new Error(String(refused))
    expect(refused.failure.kind).toBe("Unavailable")
    expect(refused.failure.failedKeys).toEqual([])
    expect(refused.failure.message).toContain("403 AuthorizationPermissionMismatch")
    expect(refused.failure.message).not.toContain(readOnlySas)
  })

  it("refuses settings with neither or both of connection string and account URL, or a bad container name", async () => {
    const { connectionString: _, ...neither } = base
    const results = [
      await Effect.runPromise(Effect.scoped(BlobArchiveSink.make(neither)).pipe(Effect.result)),
      await withSink({ accountUrl: "https://acct.blob.core.windows.net" }, () => Effect.void),
      await withSink({ container: "Bad_Name" }, () => Effect.void),
    ]

    for (const result of results) expect(result._tag === "Failure" && result.failure._tag).toBe("ArchiveConfigError")
    expect(results[0]?._tag === "Failure" && results[0].failure.message).toContain("exactly one of")
    expect(results[2]?._tag === "Failure" && results[2].failure.message).toContain("container")
  })

  it("fails the layer with a config error when the container cannot be prepared", async () => {
    const result = await withSink(
      {
        connectionString: Redacted.make(azurite.connectionString.replace(/AccountKey=[^;]+/, "AccountKey=d3Jvbmc=")),
        container: freshContainer(),
      },
      () => Effect.void,
    )

    expect(result._tag === "Failure" && result.failure._tag).toBe("ArchiveConfigError")
    expect(result._tag === "Failure" && result.failure.message).toMatch(/container archive-test-\S+ is not usable/)
  })
})
