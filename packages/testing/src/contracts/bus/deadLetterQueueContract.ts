import {
  type DeadLetter,
  DeadLetterQueue,
  decodeMessageBody,
  EventPublisher,
  type EventSubscription,
} from "@haymaker/domain"
import { type Duration, Effect, Fiber, type Layer, Result, Schedule } from "effect"
import { assert, describe } from "vitest"
import { type ContractContext, contractTest, DEFAULT_CONTRACT_WAIT } from "../ContractTest.ts"
import { consumeRun, type Observed } from "./consumeRun.ts"
import { eventsOf, nameOfEvent } from "./contractEvents.ts"

/** A bound no contract test reaches: `peek(allDeadLetters)` reads the whole dead-letter queue of a test's entities. */
export const allDeadLetters = 100_000

export interface DeadLetterQueueContractOptions<E> {
  /** As in `eventBusContract`: the publisher, the subscription and its dead-letter queue, on entities of the test's own. */
  readonly makeLayer: (context: ContractContext) => Layer.Layer<EventPublisher | EventSubscription | DeadLetterQueue, E>
  /** Bound on every wait. Default 10 seconds. */
  readonly wait?: Duration.Input
}

type Services = EventPublisher | EventSubscription | DeadLetterQueue

const reasonOf = (name: string) => `ContractReason-${name}`
const descriptionOf = (runId: string, name: string) => `${name} of ${runId}, dead-lettered by the contract`

const nameOfBody = (body: unknown): string => {
  const decoded = decodeMessageBody(body)
  return Result.isSuccess(decoded) ? nameOfEvent(decoded.success) : "undecodable"
}

/** Publishes `count` events of the run and dead-letters each on its first delivery; returns them as delivered. */
const publishAndDeadLetter = (runId: string, count: number, wait: Duration.Input) =>
  Effect.gen(function* () {
    yield* (yield* EventPublisher).publishAll(eventsOf(runId, count))
    return yield* deadLetterRun(runId, count, wait)
  })

/** Receives `count` messages of the run and dead-letters each, with a reason and description naming it. */
const deadLetterRun = (runId: string, count: number, wait: Duration.Input) =>
  consumeRun({
    runId,
    handle: ({ event, message }) =>
      message.deadLetter(reasonOf(nameOfEvent(event)), descriptionOf(runId, nameOfEvent(event))),
    done: (seen) => seen.length === count,
    waitingFor: `${count} events to dead-letter`,
    wait,
  })

/** Peeks the whole queue until it holds `count` messages (a broker may take a moment to move them). */
const awaitDeadLetters = (count: number, wait: Duration.Input) =>
  Effect.gen(function* () {
    const queue = yield* DeadLetterQueue
    const peek = queue.peek(allDeadLetters)
    return yield* peek.pipe(
      Effect.repeat({ schedule: Schedule.spaced("50 millis"), until: (found) => found.length >= count }),
      Effect.timeout(wait),
      Effect.catchTag("TimeoutError", () => peek),
    )
  })

const namesOf = (letters: ReadonlyArray<DeadLetter>) => letters.map((letter) => nameOfBody(letter.body))

/** Receives `count` messages of the run and completes them. */
const completeRun = (runId: string, count: number, wait: Duration.Input) =>
  consumeRun({
    runId,
    handle: ({ message }) => message.complete,
    done: (seen) => seen.length === count,
    waitingFor: `${count} resubmitted events`,
    wait,
  })

const messageIdsOf = (observed: ReadonlyArray<Observed>) => observed.map(({ message }) => message.messageId)

/** The tests of the contract, inside the caller's `describe`. */
export const deadLetterQueueTests = <E>(options: DeadLetterQueueContractOptions<E>): void => {
  const wait = options.wait ?? DEFAULT_CONTRACT_WAIT
  const test = (title: string, body: (context: ContractContext) => Effect.Effect<void, unknown, Services>) =>
    contractTest(title, options.makeLayer, body, wait)

  test("peek lists the dead-lettered messages oldest first, with reason, description, delivery count and body, and leaves them there", ({
    uniqueName,
  }) =>
    Effect.gen(function* () {
      const delivered = yield* publishAndDeadLetter(uniqueName, 3, wait)
      const letters = yield* awaitDeadLetters(3, wait)
      assert.deepStrictEqual(namesOf(letters), ["vm1", "vm2", "vm3"])
      for (const [i, letter] of letters.entries()) {
        const name = `vm${i + 1}`
        const first = delivered[i]?.message
        assert.deepStrictEqual(
          [letter.messageId, letter.reason, letter.description, letter.deliveryCount],
          [first?.messageId, reasonOf(name), descriptionOf(uniqueName, name), (first?.deliveryCount ?? Number.NaN) + 1],
          `${name} as dead-lettered`,
        )
      }
      const queue = yield* DeadLetterQueue
      assert.deepStrictEqual(namesOf(yield* queue.peek(2)), ["vm1", "vm2"], "peek takes at most max")
      assert.deepStrictEqual(namesOf(yield* queue.peek(allDeadLetters)), ["vm1", "vm2", "vm3"], "peek removes nothing")
    }))

  test("resubmit sends each message back to the subscription with its message id and body, and empties the queue", ({
    uniqueName,
  }) =>
    Effect.gen(function* () {
      const delivered = yield* publishAndDeadLetter(uniqueName, 2, wait)
      yield* awaitDeadLetters(2, wait)
      const queue = yield* DeadLetterQueue
      assert.strictEqual(yield* queue.resubmit(allDeadLetters), 2)
      const again = yield* completeRun(uniqueName, 2, wait)
      assert.sameMembers(messageIdsOf(again), messageIdsOf(delivered))
      assert.sameMembers(
        again.map(({ message }) => nameOfBody(message.body)),
        ["vm1", "vm2"],
      )
      assert.deepStrictEqual(yield* queue.peek(allDeadLetters), [])
    }))

  test("resubmit moves only what the queue held when it started, while a consumer dead-letters again what comes back", ({
    uniqueName,
  }) =>
    Effect.gen(function* () {
      yield* publishAndDeadLetter(uniqueName, 3, wait)
      yield* awaitDeadLetters(3, wait)
      const consumer = yield* Effect.forkChild(deadLetterRun(uniqueName, 3, wait))
      const queue = yield* DeadLetterQueue
      assert.strictEqual(yield* queue.resubmit(50), 3)
      yield* Fiber.join(consumer)
      assert.sameMembers(namesOf(yield* awaitDeadLetters(3, wait)), ["vm1", "vm2", "vm3"])
    }))

  test("resubmit and purge take at most max, oldest first; purge deletes for good", ({ uniqueName }) =>
    Effect.gen(function* () {
      const queue = yield* DeadLetterQueue
      assert.deepStrictEqual([yield* queue.resubmit(10), yield* queue.purge(10)], [0, 0], "an empty queue")
      yield* publishAndDeadLetter(uniqueName, 3, wait)
      yield* awaitDeadLetters(3, wait)
      assert.strictEqual(yield* queue.purge(1), 1)
      assert.deepStrictEqual(namesOf(yield* queue.peek(allDeadLetters)), ["vm2", "vm3"])
      assert.strictEqual(yield* queue.resubmit(1), 1)
      assert.deepStrictEqual(namesOf(yield* queue.peek(allDeadLetters)), ["vm3"])
      const back = yield* completeRun(uniqueName, 1, wait)
      assert.deepStrictEqual(
        back.map(({ event }) => nameOfEvent(event)),
        ["vm2"],
      )
      assert.strictEqual(yield* queue.purge(10), 1)
      assert.deepStrictEqual(yield* queue.peek(allDeadLetters), [])
    }))
}

/**
 * The behaviour every `DeadLetterQueue` must show with its bus, as a vitest suite: peek without removing, resubmit
 * what was there when it started (once, whatever happens meanwhile), purge. The bus contract runs it too.
 */
export const deadLetterQueueContract = <E>(name: string, options: DeadLetterQueueContractOptions<E>): void => {
  describe(`${name} (dead-letter queue contract)`, () => deadLetterQueueTests(options))
}
