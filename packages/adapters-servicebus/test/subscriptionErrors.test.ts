import { assert, describe, it } from "@effect/vitest"
import { EventSubscription } from "@haymaker/domain"
import { Effect, Layer, Stream } from "effect"
import { connectionString, ServiceBusEventSubscription } from "../src/index.ts"
import { Emulator } from "./support/Emulator.ts"

// A peek validates the subscription before the layer receives: a wrong name or key ends the stream with a typed
// error, instead of the SDK retrying forever in the background.
const firstMessageFailure = (subscriptionName: string, withKey?: (connection: string) => string) =>
  Effect.gen(function* () {
    const { messages } = yield* EventSubscription
    return yield* Effect.flip(messages.pipe(Stream.take(1), Stream.runCollect))
  }).pipe(
    Effect.provide(
      Layer.unwrap(
        Effect.map(Emulator, (emulator) =>
          ServiceBusEventSubscription.layer({
            connection: connectionString(withKey?.(emulator.connectionString) ?? emulator.connectionString),
            topicName: "present",
            subscriptionName,
            watchdog: false,
            retry: { maxRetries: 0 },
          }),
        ),
      ),
    ),
    Effect.provide(Emulator.layer([{ name: "present" }])),
  )

describe("EventSubscription layer failures", () => {
  it.live("fails the stream with EntityNotFound for a subscription that does not exist", () =>
    Effect.gen(function* () {
      const error = yield* firstMessageFailure("no-such-sub")
      assert.strictEqual(error._tag, "SubscriptionError")
      assert.strictEqual(error.reason, "EntityNotFound")
      assert.include(error.message, "present/Subscriptions/no-such-sub")
    }),
  )

  it.live("fails the stream with Unauthorized for a wrong key, without echoing it", () =>
    Effect.gen(function* () {
      const error = yield* firstMessageFailure("orchestrator-sub", (connection) =>
        connection.replace(/SharedAccessKey=[^;]*/, "SharedAccessKey=not-the-key"),
      )
      assert.strictEqual(error._tag, "SubscriptionError")
      assert.strictEqual(error.reason, "Unauthorized")
      assert.notInclude(JSON.stringify(error), "not-the-key")
      assert.notInclude(error.message, "not-the-key")
    }),
  )
})
