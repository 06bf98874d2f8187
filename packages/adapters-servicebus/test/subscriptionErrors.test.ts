import { EventSubscription } from "@haymaker/domain"
import { Effect, Exit, Stream } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectionString, ServiceBusEventSubscription } from "../src/index.ts"
import { startTestBus, type TestBus } from "./support/testBus.ts"

// A peek validates the subscription before the layer receives: a wrong name or key ends the stream with a typed
// error, instead of the SDK retrying forever in the background.
const firstMessage = (connection: string, subscriptionName: string) =>
  Effect.gen(function* () {
    const { messages } = yield* EventSubscription
    return yield* messages.pipe(Stream.take(1), Stream.runCollect)
  }).pipe(
    Effect.provide(
      ServiceBusEventSubscription.layer({
        connection: connectionString(connection),
        topicName: "present",
        subscriptionName,
        watchdog: false,
        closeGraceMs: 1_000,
        retry: { maxRetries: 0 },
      }),
    ),
    Effect.runPromiseExit,
  )

describe("EventSubscription layer failures", () => {
  let bus: TestBus
  beforeAll(async () => {
    bus = await startTestBus([{ name: "present" }])
  })
  afterAll(() => bus.close())

  it("fails the stream with EntityNotFound for a subscription that does not exist", async () => {
    const exit = await firstMessage(bus.connectionString, "no-such-sub")
    expect(Exit.isFailure(exit)).toBe(true)
    expect(JSON.stringify(exit)).toContain("EntityNotFound")
  }, 10_000)

  it("fails the stream with Unauthorized for a wrong key, without echoing it", async () => {
    const wrongKey = bus.connectionString.replace(/SharedAccessKey=[^;]*/, "SharedAccessKey=not-the-key")
    const exit = await firstMessage(wrongKey, "orchestrator-sub")
    expect(Exit.isFailure(exit)).toBe(true)
    const text = JSON.stringify(exit)
    expect(text).toContain("Unauthorized")
    expect(text).not.toContain("not-the-key")
  }, 10_000)
})
