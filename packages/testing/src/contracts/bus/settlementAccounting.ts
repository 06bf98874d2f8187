import {
  type DeadLetter,
  DeadLetterQueue,
  decodeMessageBody,
  EventPublisher,
  EventSubscription,
  type ReceivedMessage,
  type SettlementError,
} from "@haymaker/domain"
import { Duration, Effect, type Layer, Result, Schedule, Stream } from "effect"
import { assert, describe } from "vitest"
import { runIdOf } from "../../fixtures/agentEvent.ts"
import { type ContractContext, contractTest, DEFAULT_CONTRACT_WAIT } from "../ContractTest.ts"
import { eventsOf, nameOfEvent } from "./contractEvents.ts"
import { allDeadLetters } from "./deadLetterQueueContract.ts"

export interface SettlementAccountingOptions<E> {
  /** As in `eventBusContract`: the publisher, the subscription and its dead-letter queue, on entities of the test's own. */
  readonly makeLayer: (context: ContractContext) => Layer.Layer<EventPublisher | EventSubscription | DeadLetterQueue, E>
  /** Messages published and settled. Default 2,000. */
  readonly messages?: number
  /** Seed of the outcomes drawn; default a random one, named in every failure. */
  readonly seed?: number
  /** Bound on every wait, as in `eventBusContract`; receiving all messages may take six of it. Default 10 seconds. */
  readonly wait?: Duration.Input
}

type Planned = "complete" | "abandon" | "deadLetter" | "defer"
const planned: ReadonlyArray<Planned> = ["complete", "abandon", "deadLetter", "defer"]

/** A small seeded generator (mulberry32), so a failing draw can be replayed with its seed. */
const randomFrom = (seed: number) => {
  let state = seed >>> 0
  return (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Seen {
  readonly messageId: string
  readonly sequenceNumber: bigint
  readonly deliveryCount: number
}

const reasonOf = (n: number) => `ContractReason${n}`
const descriptionOf = (runId: string, n: number) => `message ${n} of ${runId}, dead-lettered on purpose`
const indexOf = (name: string): number => Number(name.slice(2))

/** Deferred messages are asked for in requests of this many sequence numbers. */
const deferredPerRequest = 100

/**
 * The settlement accounting test: `messages` events, each given a random outcome (complete, abandon, dead-letter
 * with a reason of its own, defer), settled concurrently in micro-batches as the worker settles them. Afterwards
 * every message must be exactly where its outcome puts it: a completed one never seen again, an abandoned one
 * delivered once more with its delivery count + 1, a dead-lettered one in the dead-letter queue with its own reason,
 * description and delivery count, a deferred one receivable by its sequence number (and gone once completed).
 * Settlements that share a frame with another outcome (rhea's disposition ranges: docs/rhea-disposition-ranges.md)
 * fail it.
 */
export const settlementAccountingTest = <E>(options: SettlementAccountingOptions<E>): void => {
  const count = options.messages ?? 2_000
  const wait = options.wait ?? DEFAULT_CONTRACT_WAIT
  const longWait = Duration.millis(Duration.toMillis(wait) * 6)
  contractTest(
    `settles ${count} messages concurrently with random outcomes and finds each exactly where its outcome puts it`,
    options.makeLayer,
    ({ uniqueName }) =>
      Effect.gen(function* () {
        const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32)
        const draw = randomFrom(seed)
        const plan = Array.from({ length: count + 1 }, () => planned[Math.floor(draw() * planned.length)] as Planned)
        const about = `(seed ${seed}, ${count} messages)`
        const of = (outcome: Planned) =>
          Array.from({ length: count }, (_, i) => i + 1).filter((n) => plan[n] === outcome)
        for (const outcome of planned) assert.isNotEmpty(of(outcome), `the draw has no ${outcome} ${about}`)

        const publisher = yield* EventPublisher
        const subscription = yield* EventSubscription
        const deadLetterQueue = yield* DeadLetterQueue
        yield* publisher.publishAll(eventsOf(uniqueName, count))

        const deliveries = new Map<number, Array<Seen>>()
        const cameBack: Array<string> = []
        let firstSeen = 0
        let abandonedBack = 0
        const abandoned = of("abandon")

        const settle = (message: ReceivedMessage): Effect.Effect<void, SettlementError> => {
          const decoded = decodeMessageBody(message.body)
          if (Result.isFailure(decoded) || runIdOf(decoded.success) !== uniqueName) return message.complete
          const n = indexOf(nameOfEvent(decoded.success))
          const seen = deliveries.get(n) ?? []
          seen.push({
            messageId: message.messageId,
            sequenceNumber: message.sequenceNumber,
            deliveryCount: message.deliveryCount,
          })
          deliveries.set(n, seen)
          if (seen.length > 1) {
            if (plan[n] === "abandon" && seen.length === 2) abandonedBack++
            else cameBack.push(`vm${n} (${plan[n]}, delivery ${seen.length})`)
            return message.complete
          }
          firstSeen++
          switch (plan[n] as Planned) {
            case "complete":
              return message.complete
            case "abandon":
              return message.abandon
            case "deadLetter":
              return message.deadLetter(reasonOf(n), descriptionOf(uniqueName, n))
            case "defer":
              return message.defer
          }
        }

        // Micro-batches settled with unbounded concurrency, as the worker settles: the settlements of a batch start
        // in the same turn.
        yield* subscription.messages.pipe(
          Stream.groupedWithin(256, "10 millis"),
          Stream.mapEffect((batch) => Effect.forEach(batch, settle, { concurrency: "unbounded", discard: true })),
          Stream.takeUntil(() => firstSeen === count && abandonedBack === abandoned.length),
          Stream.runDrain,
          Effect.timeout(longWait),
          Effect.catchTag("TimeoutError", () =>
            Effect.die(
              new Error(
                `Waited ${Duration.toMillis(longWait)} ms: ${firstSeen} of ${count} messages delivered, ${abandonedBack} of ${abandoned.length} abandoned ones delivered again; came back though not abandoned: ${cameBack.join(", ") || "none"} ${about}`,
              ),
            ),
          ),
        )

        assert.deepStrictEqual(cameBack, [], `only abandoned messages may come back ${about}`)
        for (const n of abandoned) {
          const [first, second] = deliveries.get(n) ?? []
          assert.strictEqual(second?.messageId, first?.messageId, `vm${n} came back as itself ${about}`)
          assert.strictEqual(second?.sequenceNumber, first?.sequenceNumber, `vm${n} kept its sequence number ${about}`)
          assert.strictEqual(
            second?.deliveryCount,
            (first?.deliveryCount ?? Number.NaN) + 1,
            `abandoned vm${n} came back with its delivery count + 1 ${about}`,
          )
        }

        // Nothing else of the run is active: whatever arrives before a sentinel published now came back wrongly.
        const sentinel = count + 1
        yield* publisher.publishAll(eventsOf(uniqueName, 1, sentinel))
        const beforeSentinel: Array<string> = []
        yield* subscription.messages.pipe(
          Stream.mapEffect((message) =>
            Effect.gen(function* () {
              const decoded = decodeMessageBody(message.body)
              yield* message.complete
              if (Result.isFailure(decoded) || runIdOf(decoded.success) !== uniqueName) return false
              const name = nameOfEvent(decoded.success)
              if (name === `vm${sentinel}`) return true
              beforeSentinel.push(`${name} (${plan[indexOf(name)]})`)
              return false
            }),
          ),
          Stream.takeUntil((found) => found),
          Stream.runDrain,
          Effect.timeout(wait),
          Effect.catchTag("TimeoutError", () => Effect.die(new Error(`the sentinel vm${sentinel} never arrived`))),
        )
        assert.deepStrictEqual(beforeSentinel, [], `settled messages stay settled ${about}`)

        // The dead-letter queue holds exactly the dead-lettered messages of the run, each with its own reason.
        const runIds = new Map<string, number>()
        for (const [n, seen] of deliveries) runIds.set((seen[0] as Seen).messageId, n)
        const deadLettered = of("deadLetter")
        const ofRun = Effect.map(deadLetterQueue.peek(allDeadLetters), (all) =>
          all.filter((message) => runIds.has(message.messageId)),
        )
        const inQueue = yield* ofRun.pipe(
          Effect.repeat({
            schedule: Schedule.spaced("50 millis"),
            until: (found) => found.length >= deadLettered.length,
          }),
          Effect.timeout(wait),
          Effect.catchTag("TimeoutError", () => ofRun),
        )
        const found = new Map(inQueue.map((message) => [runIds.get(message.messageId) as number, message]))
        assert.sameMembers(
          [...found.keys()].map((n) => `vm${n} (${plan[n]})`),
          deadLettered.map((n) => `vm${n} (deadLetter)`),
          `the dead-letter queue holds exactly the dead-lettered messages ${about}`,
        )
        assert.strictEqual(inQueue.length, deadLettered.length, `each dead-lettered message once ${about}`)
        for (const n of deadLettered) {
          const message = found.get(n) as DeadLetter
          const first = (deliveries.get(n) ?? [])[0] as Seen
          assert.deepStrictEqual(
            [message.reason, message.description, message.deliveryCount],
            [reasonOf(n), descriptionOf(uniqueName, n), first.deliveryCount + 1],
            `vm${n} is dead-lettered with its own reason, description and delivery count ${about}`,
          )
        }

        // Deferred messages come back by sequence number, in the order asked, and are gone once completed.
        const deferred = of("defer")
        const sequenceOf = (n: number) => ((deliveries.get(n) ?? [])[0] as Seen).sequenceNumber
        for (let from = 0; from < deferred.length; from += deferredPerRequest) {
          const asked = deferred.slice(from, from + deferredPerRequest)
          const received = yield* subscription.receiveDeferred(asked.map(sequenceOf))
          const names = received.map((message) => {
            const decoded = decodeMessageBody(message.body)
            return Result.isSuccess(decoded) ? nameOfEvent(decoded.success) : "undecodable"
          })
          assert.deepStrictEqual(
            names,
            asked.map((n) => `vm${n}`),
            `deferred messages come back by sequence number ${about}`,
          )
          for (const [i, message] of received.entries()) {
            const first = (deliveries.get(asked[i] as number) ?? [])[0] as Seen
            assert.strictEqual(message.deliveryCount, first.deliveryCount + 1, `deferred vm${asked[i]} ${about}`)
          }
          yield* Effect.forEach(received, (message) => message.complete, { concurrency: "unbounded", discard: true })
        }
        const again = yield* Effect.flip(subscription.receiveDeferred([sequenceOf(deferred[0] as number)]))
        assert.strictEqual(again.reason, "MessageNotFound", `a completed deferred message is gone ${about}`)
      }),
    longWait,
  )
}

/** The settlement accounting test alone, as a vitest suite (the bus contract runs it too). */
export const settlementAccountingContract = <E>(name: string, options: SettlementAccountingOptions<E>): void => {
  describe(`${name} (settlement accounting)`, () => settlementAccountingTest(options))
}
