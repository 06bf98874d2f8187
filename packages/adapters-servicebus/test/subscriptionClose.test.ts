import { assert, describe, it } from "@effect/vitest"
import { EventSubscription } from "@haymaker/domain"
import { Effect, Layer, Stream } from "effect"
import { drainLeft, Emulator, publishWire, subscriptionOn } from "./support/Emulator.ts"
import { bodyJson, jsonOfBytes, resourceCreated } from "./support/testBus.ts"

describe("closing the subscription stream", () => {
  it.effect(
    "abandons the messages the consumer never pulled at once, instead of holding them for the grace period",
    () =>
      Effect.gen(function* () {
        yield* publishWire(
          "closing",
          ["c1", "c2", "c3", "c4"].map((name) => resourceCreated(name)),
        )
        // Four slots, so all four messages are delivered; the consumer takes one and ends the stream. The other three
        // sit in the stream's buffer: nobody can settle them, so they go back to the subscription right away. The
        // grace period runs on the test clock, which does not move, and the lock lasts a minute: only an abandon can
        // bring them back before the drain gives up.
        const { messages } = yield* EventSubscription
        const taken = yield* messages.pipe(
          Stream.take(1),
          Stream.mapEffect((message) => Effect.as(message.complete, message.body)),
          Stream.runCollect,
        )
        const rest = yield* drainLeft("closing", 3, { maxWaitMs: 3_000 })
        const names = [...taken.map(jsonOfBytes), ...rest.map(bodyJson)].map(
          (event) => (event as { resource_name: string }).resource_name,
        )
        assert.deepStrictEqual(names.sort(), ["c1", "c2", "c3", "c4"])
        assert.deepStrictEqual(
          rest.map((message) => message.deliveryCount),
          [1, 1, 1],
        )
      }).pipe(
        Effect.provide(
          subscriptionOn("closing", { concurrency: 4 }).pipe(
            Layer.provideMerge(
              Emulator.layer([
                { name: "closing", subscriptions: [{ name: "orchestrator-sub", lockDuration: "PT1M" }] },
              ]),
            ),
          ),
        ),
      ),
    20_000,
  )
})
