import { assert, describe, it } from "@effect/vitest"
import { DeadLetterQueue, EventSubscription } from "@haymaker/domain"
import { Effect, Layer, Stream } from "effect"
import { ServiceBusDeadLetterQueue } from "../src/index.ts"
import { drainLeft, Emulator, subscriptionOn } from "./support/Emulator.ts"
import { sendRaw } from "./support/testBus.ts"

/** The dead-letter queue adapter on the emulator's `orchestrator-sub` of `topicName`. */
const deadLetterQueueOn = (topicName: string, subscriptionName = "orchestrator-sub") =>
  Layer.unwrap(
    Effect.map(Emulator, (emulator) =>
      ServiceBusDeadLetterQueue.layer({
        connection: emulator.connection,
        topicName,
        subscriptionName,
        retry: { maxRetries: 0 },
      }),
    ),
  )

describe("ServiceBusDeadLetterQueue", () => {
  it.live(
    "resubmits a message in the body section it came in, with its properties and without the dead-letter marks",
    () =>
      Effect.gen(function* () {
        const emulator = yield* Emulator
        // Another producer's message: an AMQP value body (not a data section), an application property of its own.
        yield* Effect.promise(() =>
          sendRaw(emulator.connectionString, "values", {
            body: { hello: "value" },
            bodyType: "value",
            applicationProperties: { origin: "python" },
            properties: { messageId: "from-python", subject: "greeting" },
          }),
        )
        const { messages } = yield* EventSubscription
        yield* messages.pipe(
          Stream.take(1),
          Stream.mapEffect((message) => message.deadLetter("NotAnEvent", "a value body")),
          Stream.runDrain,
        )
        const queue = yield* DeadLetterQueue
        const [letter] = yield* queue.peek(10)
        assert.deepStrictEqual(
          [letter?.messageId, letter?.bodyType, letter?.body, letter?.reason, letter?.description],
          ["from-python", "value", { hello: "value" }, "NotAnEvent", "a value body"],
        )
        assert.strictEqual(yield* queue.resubmit(10), 1)

        const [again] = yield* drainLeft("values", 1)
        assert.deepStrictEqual(
          [again?.messageId, again?.subject, again?._rawAmqpMessage.bodyType, again?.body],
          ["from-python", "greeting", "value", { hello: "value" }],
        )
        assert.deepStrictEqual(again?.applicationProperties, { origin: "python" })
        assert.strictEqual(again?.deadLetterReason, undefined)
      }).pipe(
        Effect.provide(Layer.mergeAll(subscriptionOn("values"), deadLetterQueueOn("values"))),
        Effect.provide(Emulator.layer([{ name: "values" }])),
      ),
  )

  it.live("fails with a DeadLetterQueueError EntityNotFound for a subscription that does not exist", () =>
    Effect.gen(function* () {
      const queue = yield* DeadLetterQueue
      const error = yield* Effect.flip(queue.peek(10))
      assert.strictEqual(error._tag, "DeadLetterQueueError")
      assert.strictEqual(error.reason, "EntityNotFound")
      assert.include(error.message, "present/Subscriptions/no-such-sub/$DeadLetterQueue")
      assert.include(queue.description, "present/Subscriptions/no-such-sub/$DeadLetterQueue")
    }).pipe(
      Effect.provide(deadLetterQueueOn("present", "no-such-sub")),
      Effect.provide(Emulator.layer([{ name: "present" }])),
    ),
  )
})
