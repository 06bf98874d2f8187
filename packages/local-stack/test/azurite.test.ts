import { BlobServiceClient, RestError } from "@azure/storage-blob"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type AzuritePeer, startAzurite } from "../src/index.ts"

describe("startAzurite", () => {
  let azurite: AzuritePeer

  beforeAll(async () => {
    azurite = await startAzurite()
  }, 60_000)
  afterAll(() => azurite?.close())

  it("listens on an ephemeral 127.0.0.1 port named in the connection string", () => {
    expect(azurite.port).toBeGreaterThan(0)
    expect(azurite.blobEndpoint).toBe(`http://127.0.0.1:${azurite.port}/devstoreaccount1`)
    expect(azurite.connectionString).toContain(`BlobEndpoint=${azurite.blobEndpoint};`)
  })

  it("creates a container, uploads conditionally and answers 409 to a second write of the same name", async () => {
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString)
    const container = service.getContainerClient("peer-test")
    await container.createIfNotExists()
    const blob = container.getBlockBlobClient("a/b/event.jsonl")

    await blob.upload("first", 5, { conditions: { ifNoneMatch: "*" } })
    const second = await blob.upload("second", 6, { conditions: { ifNoneMatch: "*" } }).then(
      () => undefined,
      (error: unknown) => error,
    )

    expect(second).toBeInstanceOf(RestError)
    expect((second as RestError).statusCode).toBe(409)
    expect((second as RestError).code).toBe("BlobAlreadyExists")
    expect((await blob.downloadToBuffer()).toString()).toBe("first")
    const names: Array<string> = []
    for await (const item of container.listBlobsFlat()) names.push(item.name)
    expect(names).toEqual(["a/b/event.jsonl"])
  })

  it("stops the emulator on close, after which the port refuses connections", async () => {
    const other = await startAzurite()
    const service = BlobServiceClient.fromConnectionString(other.connectionString)
    await service.getContainerClient("short-lived").create()
    await other.close()
    await other.close()

    const after = await fetch(`http://127.0.0.1:${other.port}/devstoreaccount1?comp=list`).then(
      () => "answered",
      () => "refused",
    )
    expect(after).toBe("refused")
  }, 60_000)

  it("stops and starts again on the same port with its blobs (location), and freezes: an outage, then a hang", async () => {
    const { mkdtemp, rm } = await import("node:fs/promises")
    const { tmpdir } = await import("node:os")
    const { join } = await import("node:path")
    const location = await mkdtemp(join(tmpdir(), "haymaker-azurite-location-"))
    const peer = await startAzurite({ location })
    try {
      const service = BlobServiceClient.fromConnectionString(peer.connectionString, { retryOptions: { maxTries: 1 } })
      const container = service.getContainerClient("outage")
      await container.create()
      await container.getBlockBlobClient("kept.jsonl").upload("kept", 4)

      await peer.stop()
      const down = await container.exists().then(
        () => "answered",
        () => "refused",
      )
      expect(down).toBe("refused")
      await peer.start()
      expect((await container.getBlockBlobClient("kept.jsonl").downloadToBuffer()).toString()).toBe("kept")

      peer.freeze()
      const hung = await container.exists({ abortSignal: AbortSignal.timeout(1_000) }).then(
        () => "answered",
        () => "no answer",
      )
      expect(hung).toBe("no answer")
      peer.thaw()
      expect(await container.exists()).toBe(true)
    } finally {
      await peer.close()
      await rm(location, { recursive: true, force: true })
    }
  }, 120_000)
})
