import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  type AgentLogCallback,
  EventBusClient,
  parseResourceEvents,
  ServiceBusEntityNotFound,
  type SubscribeOptions,
  subscribeToAgentLogs,
} from "../src/index.ts"
import { bodyJson, drain, resourceCreated, sendRaw, startTestBus, type TestBus } from "./support/testBus.ts"

type Received = Record<string, unknown>

const publishAll = async (connectionString: string, topicName: string, events: ReadonlyArray<Received>) => {
  const client = new EventBusClient({ connectionString, topicName })
  await client.publishAll(events)
  await client.close()
}

describe("subscribeToAgentLogs", () => {
  let bus: TestBus
  const topics = ["sync", "async", "invalid", "invalid-complete", "throws", "idle", "abort", "python", "batch"]
  beforeAll(async () => {
    bus = await startTestBus(topics.map((name) => ({ name })))
  })
  afterAll(() => bus.close())

  /** Subscribes to `orchestrator-sub` of `topicName` until it is idle for a second (or as `options` say). */
  const consume = (topicName: string, callback: AgentLogCallback, options: SubscribeOptions = {}) =>
    subscribeToAgentLogs(bus.connectionString, topicName, "orchestrator-sub", callback, { maxWaitTime: 1, ...options })

  it("calls a sync callback for each message in order, completes them, then resolves when idle", async () => {
    const events = [resourceCreated("s1"), resourceCreated("s2"), resourceCreated("s3")]
    await publishAll(bus.connectionString, "sync", events)
    const seen: Array<Received> = []
    await consume("sync", (message) => {
      seen.push(message)
    })
    expect(seen).toEqual(events)
    expect(await drain(bus.connectionString, "sync", "orchestrator-sub", 1, { maxWaitMs: 500 })).toEqual([])
  })

  it("awaits an async callback before completing the message", async () => {
    const events = [resourceCreated("a1"), resourceCreated("a2")]
    await publishAll(bus.connectionString, "async", events)
    const seen: Array<string> = []
    await consume("async", async (message) => {
      await new Promise((resolve) => setTimeout(resolve, 50))
      seen.push(String(message.resource_name))
    })
    expect(seen).toEqual(["a1", "a2"])
    expect(await drain(bus.connectionString, "async", "orchestrator-sub", 1, { maxWaitMs: 500 })).toEqual([])
  })

  it("dead-letters a body that is not JSON, with the reason, and keeps processing", async () => {
    await sendRaw(bus.connectionString, "invalid", [
      { body: Buffer.from("not json {", "utf8") },
      { body: Buffer.from(JSON.stringify(resourceCreated("after")), "utf8") },
    ])
    const seen: Array<string> = []
    await consume("invalid", (message) => {
      seen.push(String(message.resource_name))
    })
    expect(seen).toEqual(["after"])
    const deadLettered = await drain(bus.connectionString, "invalid", "orchestrator-sub", 1, { subQueue: "deadLetter" })
    expect(deadLettered).toHaveLength(1)
    expect(deadLettered[0]?.deadLetterReason).toBe("InvalidJson")
    expect(deadLettered[0]?.deadLetterErrorDescription).toContain("not valid JSON")
  })

  it('completes an invalid body with invalidMessages: "complete", as the seed did', async () => {
    await sendRaw(bus.connectionString, "invalid-complete", [{ body: Buffer.from("[1, 2]", "utf8") }])
    let calls = 0
    await consume(
      "invalid-complete",
      () => {
        calls++
      },
      { invalidMessages: "complete" },
    )
    expect(calls).toBe(0)
    const deadLettered = await drain(bus.connectionString, "invalid-complete", "orchestrator-sub", 1, {
      subQueue: "deadLetter",
      maxWaitMs: 500,
    })
    expect(deadLettered).toEqual([])
    expect(await drain(bus.connectionString, "invalid-complete", "orchestrator-sub", 1, { maxWaitMs: 500 })).toEqual([])
  })

  it("abandons the message of a callback that throws, so it is delivered again", async () => {
    await publishAll(bus.connectionString, "throws", [resourceCreated("flaky")])
    let calls = 0
    await consume("throws", () => {
      calls++
      if (calls === 1) throw new Error("transient failure in the callback")
    })
    expect(calls).toBe(2)
    expect(await drain(bus.connectionString, "throws", "orchestrator-sub", 1, { maxWaitMs: 500 })).toEqual([])
  })

  it("resolves after maxWaitTime seconds without messages", async () => {
    let calls = 0
    await consume(
      "idle",
      () => {
        calls++
      },
      { maxWaitTime: 0.5 },
    )
    expect(calls).toBe(0)
  })

  it("stops on an AbortSignal after the running callback settled its message", async () => {
    await publishAll(bus.connectionString, "abort", [resourceCreated("first"), resourceCreated("second")])
    const controller = new AbortController()
    const seen: Array<string> = []
    await consume(
      "abort",
      (message) => {
        seen.push(String(message.resource_name))
        controller.abort()
      },
      { maxWaitTime: 60, signal: controller.signal },
    )
    expect(seen).toEqual(["first"])
    const left = await drain(bus.connectionString, "abort", "orchestrator-sub", 2, { maxWaitMs: 3_000 })
    expect(left.map((message) => (bodyJson(message) as Received).resource_name)).toEqual(["second"])
  })

  it("consumes a Python agent's message (UTF-8 JSON bytes, no content type) like ours", async () => {
    const event = resourceCreated("from-python")
    await sendRaw(bus.connectionString, "python", { body: Buffer.from(JSON.stringify(event), "utf8") })
    await publishAll(bus.connectionString, "python", [event])
    const seen: Array<Received> = []
    await consume("python", (message) => {
      seen.push(message)
    })
    expect(seen).toEqual([event, event])
  })

  it("runs the seed's batch-processing example: buffers 10 events, parses them into resources", async () => {
    const events = Array.from({ length: 20 }, (_, i) => resourceCreated(`b${i}`))
    await publishAll(bus.connectionString, "batch", events)
    const buffer: Array<Received> = []
    const processed: Array<string> = []
    await consume("batch", async (message) => {
      buffer.push(message)
      if (buffer.length >= 10) {
        const resources = parseResourceEvents(buffer)
        for (const resource of resources) processed.push(`${resource.resourceName}:${resource.status}`)
        buffer.length = 0
      }
    })
    expect(processed).toEqual(events.map((event) => `${event.resource_name}:created`))
  })

  it("rejects with EntityNotFound for a subscription that does not exist", async () => {
    const failure = subscribeToAgentLogs(bus.connectionString, "sync", "no-such-sub", () => {}, { maxWaitTime: 1 })
    await expect(failure).rejects.toBeInstanceOf(ServiceBusEntityNotFound)
  })
})
