import {
  type AgentEvent,
  type DeadLetter,
  DeadLetterQueue,
  decodeMessageBody,
  EventPublisher,
  type EventSubscription,
  encodeAgentEvent,
  type ReceivedMessage,
  type SettlementError,
} from "@haymaker/domain"
import { DateTime, Deferred, type Duration, Effect, Fiber, type Layer, Result, Schedule } from "effect"
import { assert, describe, expect } from "vitest"
import { MAX_DELIVERY_COUNT_EXCEEDED } from "../../bus/PeekLockQueue.ts"
import { agentEvent } from "../../fixtures/agentEvent.ts"
import { type ContractContext, contractTest, DEFAULT_CONTRACT_WAIT } from "../ContractTest.ts"
import { consumeRun, type Observed } from "./consumeRun.ts"
import { eventsOf, nameOfEvent, resourceCreated } from "./contractEvents.ts"
import { allDeadLetters, deadLetterQueueTests } from "./deadLetterQueueContract.ts"
import { settlementAccountingTest } from "./settlementAccounting.ts"

export interface EventBusContractOptions<E> {
  /**
   * The publisher and subscription under test, on one topic and its subscription, with the subscription's dead-letter
   * queue. Called once per test: give each test its own entities (named after `uniqueName`), or at least a
   * subscription nothing else reads.
   */
  readonly makeLayer: (context: ContractContext) => Layer.Layer<EventPublisher | EventSubscription | DeadLetterQueue, E>
  /**
   * The subscription's MaxDeliveryCount, when small enough to test (at most 10): adds the case where the broker
   * dead-letters a message abandoned that many times.
   */
  readonly maxDeliveryCount?: number
  /** Bound on every wait. Default 10 seconds. */
  readonly wait?: Duration.Input
}

/** Broker and test machine clocks may differ; enqueued times are checked against the test's clock within this. */
const CLOCK_SKEW_MS = 60_000

const nameOf = (observed: Observed): string => nameOfEvent(observed.event)

const isNamed =
  (...names: ReadonlyArray<string>) =>
  (observed: Observed): boolean =>
    names.includes(nameOf(observed))

const complete = (observed: Observed) => observed.message.complete

/** Receives this run's messages, completing each, until `count` of them came; `what` names them for a timeout. */
const completeRun = (
  runId: string,
  count: number,
  wait: Duration.Input,
  what = count === 1 ? "the published event" : `the ${count} published events`,
) => consumeRun({ runId, handle: complete, done: (seen) => seen.length === count, waitingFor: what, wait })

/** Publishes a sentinel and receives until it arrives, completing everything: what came before it is returned. */
const receiveThroughSentinel = (runId: string, wait: Duration.Input) =>
  Effect.gen(function* () {
    const publisher = yield* EventPublisher
    yield* publisher.publish(agentEvent(resourceCreated(runId, 999)))
    return yield* consumeRun({
      runId,
      handle: complete,
      done: (seen) => seen.some(isNamed("vm999")),
      waitingFor: "the sentinel event vm999",
      wait,
    })
  })

const expectSettlementError = (effect: Effect.Effect<void, SettlementError>, messageId: string) =>
  Effect.flip(effect).pipe(
    Effect.catch(() => Effect.die(new Error(`settling message ${messageId} a second time succeeded`))),
    Effect.flatMap((error) =>
      Effect.sync(() => {
        assert.strictEqual(error._tag, "SettlementError")
        assert.strictEqual(error.reason, "AlreadySettled")
        assert.strictEqual(error.messageId, messageId)
      }),
    ),
  )

/** Polls the dead-letter queue until the message shows up. */
const awaitDeadLetter = (messageId: string, wait: Duration.Input) =>
  Effect.gen(function* () {
    const deadLetterQueue = yield* DeadLetterQueue
    const found = yield* deadLetterQueue.peek(allDeadLetters).pipe(
      Effect.map((deadLetters) => deadLetters.find((message) => message.messageId === messageId)),
      Effect.repeat({ schedule: Schedule.spaced("50 millis"), until: (message) => message !== undefined }),
      Effect.timeout(wait),
      Effect.catchTag("TimeoutError", () =>
        Effect.die(new Error(`message ${messageId} did not appear in the dead-letter queue`)),
      ),
    )
    return found as DeadLetter
  })

const expectBody = (body: unknown, expected: AgentEvent): void => {
  const decoded = decodeMessageBody(body)
  if (Result.isFailure(decoded)) assert.fail(`the body does not decode: ${decoded.failure.message}`)
  else assert.deepStrictEqual(encodeAgentEvent(decoded.success), encodeAgentEvent(expected))
}

/**
 * The behaviour every `EventPublisher` + `EventSubscription` pair must show (peek-lock, at-least-once), as a vitest
 * suite. Call it at the top level of a test file. The suite uses only the ports (the dead-letter queue to look), waits
 * with bounded timeouts, assumes no order across redeliveries, and completes messages of other runs it meets.
 */
export const eventBusContract = <E>(name: string, options: EventBusContractOptions<E>): void => {
  const wait = options.wait ?? DEFAULT_CONTRACT_WAIT
  const test = (
    title: string,
    body: (
      context: ContractContext,
    ) => Effect.Effect<void, unknown, EventPublisher | EventSubscription | DeadLetterQueue>,
  ) => contractTest(title, options.makeLayer, body, wait)

  describe(`${name} (event bus contract)`, () => {
    test("delivers a published event with its body, a message id, a delivery count, an enqueued time and a sequence number", ({
      uniqueName,
    }) =>
      Effect.gen(function* () {
        const [event] = eventsOf(uniqueName, 1)
        const before = yield* DateTime.now
        yield* (yield* EventPublisher).publish(event as AgentEvent)
        const [received] = yield* completeRun(uniqueName, 1, wait)
        const after = yield* DateTime.now

        const message = (received as Observed).message
        expectBody(message.body, event as AgentEvent)
        assert.isString(message.messageId)
        assert.isNotEmpty(message.messageId)
        assert.isTrue(Number.isInteger(message.deliveryCount) && message.deliveryCount >= 0)
        assert.strictEqual(typeof message.sequenceNumber, "bigint")
        assert.isTrue(message.sequenceNumber >= 0n)
        const enqueued = DateTime.toEpochMillis(message.enqueuedTime)
        expect(enqueued).toBeGreaterThanOrEqual(DateTime.toEpochMillis(before) - CLOCK_SKEW_MS)
        expect(enqueued).toBeLessThanOrEqual(DateTime.toEpochMillis(after) + CLOCK_SKEW_MS)
      }))

    test("delivers every event of publishAll once, with distinct ids and sequence numbers in publication order", ({
      uniqueName,
    }) =>
      Effect.gen(function* () {
        const events = eventsOf(uniqueName, 5)
        yield* (yield* EventPublisher).publishAll(events)
        const received = yield* completeRun(uniqueName, 5, wait)

        assert.sameMembers(received.map(nameOf), ["vm1", "vm2", "vm3", "vm4", "vm5"])
        assert.strictEqual(new Set(received.map(({ message }) => message.messageId)).size, 5)
        const bySequence = [...received].sort((a, b) => (a.message.sequenceNumber < b.message.sequenceNumber ? -1 : 1))
        assert.strictEqual(new Set(received.map(({ message }) => message.sequenceNumber)).size, 5)
        assert.deepStrictEqual(bySequence.map(nameOf), ["vm1", "vm2", "vm3", "vm4", "vm5"])
        for (const observed of received) {
          expectBody(observed.message.body, events[Number(nameOf(observed).slice(2)) - 1] as AgentEvent)
        }
      }))

    test("gives events published one after another increasing sequence numbers", ({ uniqueName }) =>
      Effect.gen(function* () {
        const publisher = yield* EventPublisher
        for (const event of eventsOf(uniqueName, 3)) yield* publisher.publish(event)
        const received = yield* completeRun(uniqueName, 3, wait)
        const sequenceOf = (name: string) => received.find(isNamed(name))?.message.sequenceNumber ?? -1n
        assert.isTrue(sequenceOf("vm1") < sequenceOf("vm2"), "vm1 was published before vm2")
        assert.isTrue(sequenceOf("vm2") < sequenceOf("vm3"), "vm2 was published before vm3")
      }))

    test("accepts an empty publishAll and delivers nothing for it", ({ uniqueName }) =>
      Effect.gen(function* () {
        yield* (yield* EventPublisher).publishAll([])
        const received = yield* receiveThroughSentinel(uniqueName, wait)
        assert.deepStrictEqual(received.map(nameOf), ["vm999"])
      }))

    test("renewLock extends a lock and keeps the message past the end of its run: settled afterwards, never redelivered", ({
      uniqueName,
    }) =>
      Effect.gen(function* () {
        yield* (yield* EventPublisher).publishAll(eventsOf(uniqueName, 1))
        const kept = yield* Deferred.make<ReceivedMessage>()
        const before = yield* DateTime.now
        // The run renews the lock and ends without settling: a consumer holding the message on purpose.
        const run = yield* Effect.forkChild(
          consumeRun({
            runId: uniqueName,
            handle: ({ message }) =>
              message.renewLock.pipe(
                Effect.tap((lockedUntil) =>
                  Effect.sync(() =>
                    assert.isTrue(DateTime.toEpochMillis(lockedUntil) > DateTime.toEpochMillis(before)),
                  ),
                ),
                Effect.andThen(Deferred.succeed(kept, message)),
                Effect.asVoid,
              ),
            done: (seen) => seen.length === 1,
            waitingFor: "the event to keep",
            wait,
          }),
        )
        const message = yield* Deferred.await(kept)
        // The ending run waits for the kept message instead of handing it back: it can still be renewed and completed.
        yield* message.renewLock
        yield* message.complete
        yield* Fiber.join(run)
        const received = yield* receiveThroughSentinel(uniqueName, wait)
        assert.deepStrictEqual(received.map(nameOf), ["vm999"])
      }))

    test("delivers an event published while a receiver is already waiting", ({ uniqueName }) =>
      Effect.gen(function* () {
        const receiving = yield* Effect.forkChild(
          completeRun(uniqueName, 1, wait, "the event published after receiving started"),
        )
        yield* (yield* EventPublisher).publishAll(eventsOf(uniqueName, 1))
        const received = yield* Fiber.join(receiving)
        assert.deepStrictEqual(received.map(nameOf), ["vm1"])
      }))

    test("never delivers a completed message again", ({ uniqueName }) =>
      Effect.gen(function* () {
        yield* (yield* EventPublisher).publishAll(eventsOf(uniqueName, 1))
        const [first] = yield* completeRun(uniqueName, 1, wait)
        const later = yield* receiveThroughSentinel(uniqueName, wait)
        assert.notInclude(
          later.map(({ message }) => message.messageId),
          (first as Observed).message.messageId,
        )
        assert.deepStrictEqual(later.map(nameOf), ["vm999"])
      }))

    test("delivers an abandoned message again with its delivery count increased by one", ({ uniqueName }) =>
      Effect.gen(function* () {
        const [event] = eventsOf(uniqueName, 1)
        yield* (yield* EventPublisher).publish(event as AgentEvent)
        const deliveries = yield* consumeRun({
          runId: uniqueName,
          handle: (observed, seen) => (seen.length === 1 ? observed.message.abandon : observed.message.complete),
          done: (seen) => seen.length === 2,
          waitingFor: "the abandoned event to come back",
          wait,
        })
        const [first, second] = deliveries.map(({ message }) => message)
        assert.strictEqual(second?.messageId, first?.messageId)
        assert.strictEqual(second?.sequenceNumber, first?.sequenceNumber)
        assert.strictEqual(second?.deliveryCount, (first?.deliveryCount ?? Number.NaN) + 1)
        expectBody(second?.body, event as AgentEvent)
      }))

    test("takes a dead-lettered message out of the subscription and keeps its reason and description", ({
      uniqueName,
    }) =>
      Effect.gen(function* () {
        const [event] = eventsOf(uniqueName, 1)
        const description = `dead-lettered by the event bus contract (${uniqueName})`
        yield* (yield* EventPublisher).publish(event as AgentEvent)
        const [deadLettered] = yield* consumeRun({
          runId: uniqueName,
          handle: (observed) => observed.message.deadLetter("ContractTest", description),
          done: (seen) => seen.length === 1,
          waitingFor: "the published event",
          wait,
        })
        const messageId = (deadLettered as Observed).message.messageId

        const later = yield* receiveThroughSentinel(uniqueName, wait)
        assert.notInclude(
          later.map(({ message }) => message.messageId),
          messageId,
        )
        const inQueue = yield* awaitDeadLetter(messageId, wait)
        assert.strictEqual(inQueue.reason, "ContractTest")
        assert.strictEqual(inQueue.description, description)
        expectBody(inQueue.body, event as AgentEvent)
      }))

    test("refuses to settle a message a second time with a SettlementError naming it", ({ uniqueName }) =>
      Effect.gen(function* () {
        yield* (yield* EventPublisher).publishAll(eventsOf(uniqueName, 3))
        const checked = new Set<string>()
        yield* consumeRun({
          runId: uniqueName,
          handle: (observed) => {
            const message = observed.message
            const name = nameOf(observed)
            if (checked.has(name)) return message.complete
            checked.add(name)
            const [first, second] =
              name === "vm1"
                ? [message.complete, message.complete]
                : name === "vm2"
                  ? [message.deadLetter("ContractTest", "settled twice on purpose"), message.abandon]
                  : [message.abandon, message.deadLetter("ContractTest", "settled twice on purpose")]
            return Effect.andThen(first, expectSettlementError(second, message.messageId))
          },
          // vm3 was abandoned: it comes back once more and is completed then.
          done: (seen) => checked.size === 3 && seen.filter(isNamed("vm3")).length === 2,
          waitingFor: "the 3 events, and the abandoned vm3 once more",
          wait,
        })
        assert.strictEqual(checked.size, 3)
      }))

    settlementAccountingTest({ makeLayer: options.makeLayer, wait })
    deadLetterQueueTests({ makeLayer: options.makeLayer, wait })

    const maxDeliveryCount = options.maxDeliveryCount
    if (maxDeliveryCount !== undefined) {
      test(`dead-letters a message abandoned ${maxDeliveryCount} times (MaxDeliveryCount)`, ({ uniqueName }) =>
        Effect.gen(function* () {
          yield* (yield* EventPublisher).publishAll(eventsOf(uniqueName, 1))
          const deliveries = yield* consumeRun({
            runId: uniqueName,
            handle: (observed) => observed.message.abandon,
            done: (seen) => seen.length === maxDeliveryCount,
            waitingFor: `${maxDeliveryCount} deliveries of the abandoned event`,
            wait,
          })
          const counts = deliveries.map(({ message }) => message.deliveryCount)
          const firstCount = counts[0] ?? 0
          assert.deepStrictEqual(
            counts,
            counts.map((_, i) => firstCount + i),
          )
          const messageId = (deliveries[0] as Observed).message.messageId

          const later = yield* receiveThroughSentinel(uniqueName, wait)
          assert.deepStrictEqual(later.map(nameOf), ["vm999"])
          const inQueue = yield* awaitDeadLetter(messageId, wait)
          assert.strictEqual(inQueue.reason, MAX_DELIVERY_COUNT_EXCEEDED)
        }))
    }
  })
}
