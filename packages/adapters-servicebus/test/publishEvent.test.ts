import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  closeAll,
  publishEvent,
  ServiceBusConnectionRefused,
  ServiceBusEntityNotFound,
  ServiceBusUnauthorized,
} from "../src/index.ts"
import { bodyJson, closedPort, drain, resourceCreated, startTestBus, type TestBus } from "./support/testBus.ts"

describe("publishEvent", () => {
  let bus: TestBus
  beforeAll(async () => {
    bus = await startTestBus([{ name: "agent-logs" }, { name: "many" }])
  })
  afterAll(async () => {
    await closeAll()
    await bus.close()
  })

  it("resolves once the broker accepted the event", async () => {
    const event = resourceCreated("vm1")
    await publishEvent(bus.connectionString, "agent-logs", event)
    const received = await drain(bus.connectionString, "agent-logs", "orchestrator-sub", 1)
    expect(received.map(bodyJson)).toEqual([event])
  })

  it("publishes multiple messages over the cached connection, and again after closeAll()", async () => {
    const events = [resourceCreated("m1"), resourceCreated("m2"), resourceCreated("m3")]
    await Promise.all(events.map((event) => publishEvent(bus.connectionString, "many", event)))
    await closeAll()
    await publishEvent(bus.connectionString, "many", resourceCreated("m4"))
    const received = await drain(bus.connectionString, "many", "orchestrator-sub", 4)
    expect(received.map((m) => (bodyJson(m) as { resource_name: string }).resource_name).sort()).toEqual([
      "m1",
      "m2",
      "m3",
      "m4",
    ])
  })

  it("rejects with EntityNotFound for a topic that does not exist", async () => {
    const failure = publishEvent(bus.connectionString, "no-such-topic", resourceCreated("x"))
    await expect(failure).rejects.toBeInstanceOf(ServiceBusEntityNotFound)
    await expect(failure).rejects.toMatchObject({ code: "MessagingEntityNotFound", entityPath: "no-such-topic" })
  })

  it("rejects with Unauthorized for a wrong shared access key, without echoing the key", async () => {
    const wrongKey = bus.connectionString.replace(/SharedAccessKey=[^;]*/, "SharedAccessKey=not-the-key")
    const failure = publishEvent(wrongKey, "agent-logs", resourceCreated("x"), { retry: { maxRetries: 0 } })
    await expect(failure).rejects.toBeInstanceOf(ServiceBusUnauthorized)
    const error = (await failure.catch((e: unknown) => e)) as Error
    expect(error.message).not.toContain("not-the-key")
  })

  it("rejects with ConnectionRefused when nothing listens at the endpoint", async () => {
    const port = await closedPort()
    const nowhere = `Endpoint=sb://127.0.0.1:${port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=secret-key;UseDevelopmentEmulator=true;`
    const failure = publishEvent(nowhere, "agent-logs", resourceCreated("x"), { retry: { maxRetries: 0 } })
    await expect(failure).rejects.toBeInstanceOf(ServiceBusConnectionRefused)
    await expect(failure).rejects.toMatchObject({ code: "ConnectionRefused" })
    const error = (await failure.catch((e: unknown) => e)) as Error
    expect(error.message).not.toContain("secret-key")
  })
})
