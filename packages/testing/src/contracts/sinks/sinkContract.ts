import {
  type AgentEventJson,
  type AgentLogEventJson,
  ArchiveSink,
  LogAnalyticsSink,
  type ResourceEventJson,
  type SinkRecord,
  type SinkWriteError,
} from "@haymaker/domain"
import { Duration, Effect, type Layer } from "effect"
import { assert, describe } from "vitest"
import { sinkRecord } from "../../fixtures/sinkRecord.ts"
import { type ContractContext, contractTest, DEFAULT_CONTRACT_WAIT } from "../ContractTest.ts"
import { SinkFaultInjection, SinkProbe } from "../SinkProbe.ts"

/** The shape both sink ports share. */
interface SinkPort {
  readonly write: (records: ReadonlyArray<SinkRecord>) => Effect.Effect<void, SinkWriteError>
}

interface CommonOptions {
  /** Bound on every write and probe. Default 10 seconds. */
  readonly wait?: Duration.Input
}

/**
 * How to build the sink under test for one test. With `faultInjection: true` the layer also provides
 * {@link SinkFaultInjection} and the suite adds the failure cases.
 */
export type SinkContractOptions<S, E> = CommonOptions &
  (
    | {
        readonly makeLayer: (context: ContractContext) => Layer.Layer<S | SinkProbe, E>
        readonly faultInjection?: false
      }
    | {
        readonly makeLayer: (context: ContractContext) => Layer.Layer<S | SinkProbe | SinkFaultInjection, E>
        readonly faultInjection: true
      }
  )

const resourceEvent = (
  runId: string,
  eventType: "resource_created" | "resource_deletion_failed",
  n: number,
): ResourceEventJson => ({
  event_type: eventType,
  resource_id: `/subscriptions/sub1/resourceGroups/contract/providers/Microsoft.Compute/virtualMachines/vm${n}`,
  resource_type: "Microsoft.Compute/virtualMachines",
  resource_name: `vm${n}`,
  scenario_name: "sink-contract",
  run_id: runId,
  timestamp: `2024-11-14T12:0${n % 10}:00.000Z`,
  tags: { contract: "sink" },
  ...(eventType === "resource_deletion_failed"
    ? { deletion_error: "Resource is locked or has active dependencies", deletion_attempts: 3 }
    : {}),
})

const logEvent = (runId: string, eventType: "agent_started" | "operation", n: number): AgentLogEventJson => ({
  event_type: eventType,
  timestamp: `2024-11-14T12:0${n % 10}:30.000Z`,
  scenario_name: "sink-contract",
  run_id: runId,
  agent_id: "contract-agent",
  message: `${eventType} ${n}`,
  severity: "info",
  details: { n },
})

/**
 * A sequence number of its own for the n-th record of a run: the same for the same run and n (a test rewrites its
 * records), distinct across the runs of a suite that share a peer.
 */
const sequenceNumberOf = (runId: string, n: number): bigint => {
  let hash = 0x811c9dc5
  for (let i = 0; i < runId.length; i++) hash = Math.imul(hash ^ runId.charCodeAt(i), 0x01000193) >>> 0
  return BigInt(hash) * 1_000_000n + BigInt(n)
}

/** Resource and agent log records of one run: what every sink stores, with keys and message ids unique to the test. */
const recordsOf = (runId: string, count: number, from = 1): ReadonlyArray<SinkRecord> =>
  Array.from({ length: count }, (_, i) => {
    const n = from + i
    const kinds = [
      resourceEvent(runId, "resource_created", n),
      logEvent(runId, "operation", n),
      resourceEvent(runId, "resource_deletion_failed", n),
      logEvent(runId, "agent_started", n),
    ]
    const json = kinds[i % kinds.length] as AgentEventJson
    return sinkRecord(json, { messageId: `${runId}-m${n}`, sequenceNumber: sequenceNumberOf(runId, n) })
  })

const keysOf = (records: ReadonlyArray<SinkRecord>): ReadonlyArray<string> => records.map((record) => record.key)

const sorted = (ids: Iterable<string>): ReadonlyArray<string> => [...ids].sort()

/**
 * The behaviour every sink (`LogAnalyticsSink`, `ArchiveSink`) must show, as a vitest suite: accepted records are
 * stored under their key (the message's sequence number), distinct events that share a message id are all stored,
 * rewrites are harmless, an empty batch does nothing, and a failure names exactly the records that did not land. Uses only the port, {@link SinkProbe} and (optionally) {@link SinkFaultInjection}.
 */
const sinkContract = <S, E>(
  portName: string,
  port: Effect.Effect<SinkPort, never, S>,
  name: string,
  options: SinkContractOptions<S, E>,
): void => {
  const wait = options.wait ?? DEFAULT_CONTRACT_WAIT
  const makeLayer = options.makeLayer as (context: ContractContext) => Layer.Layer<S | SinkProbe, E>
  const test = (title: string, body: (context: ContractContext) => Effect.Effect<void, unknown, S | SinkProbe>) =>
    contractTest(title, makeLayer, body, wait)

  const bounded = <A, Err, R>(what: string, effect: Effect.Effect<A, Err, R>) =>
    effect.pipe(
      Effect.timeout(wait),
      Effect.catchTag("TimeoutError", () =>
        Effect.die(new Error(`${portName}: ${what} did not finish within ${Duration.toMillis(wait)} ms`)),
      ),
    )

  const write = (records: ReadonlyArray<SinkRecord>) =>
    Effect.flatMap(port, (sink) => bounded(`writing ${records.length} records`, sink.write(records)))

  /** The distinct stored keys among `keys`, checking that every stored copy belongs to the test's run. */
  const storedKeys = (keys: ReadonlyArray<string>, runId: string) =>
    Effect.gen(function* () {
      const probe = yield* SinkProbe
      const copies = yield* bounded("reading back what the sink stored", probe.stored(keys))
      for (const copy of copies) {
        assert.include(keys, copy.key, "the probe answered with a key it was not asked about")
        assert.strictEqual(copy.runId, runId, `the copy stored for ${copy.key} is not this test's record`)
      }
      return new Set(copies.map((copy) => copy.key))
    })

  describe(`${name} (${portName} contract)`, () => {
    test("stores every record of a write under its key", ({ uniqueName }) =>
      Effect.gen(function* () {
        const records = recordsOf(uniqueName, 4)
        yield* write(records)
        assert.deepStrictEqual(sorted(yield* storedKeys(keysOf(records), uniqueName)), sorted(keysOf(records)))
      }))

    test("stores distinct events that share a message id, in one write and across writes", ({ uniqueName }) =>
      Effect.gen(function* () {
        const shared = `${uniqueName}-shared-id`
        const [a, b, c] = recordsOf(uniqueName, 3).map((record) => ({ ...record, messageId: shared }))
        yield* write([a as SinkRecord, b as SinkRecord])
        yield* write([c as SinkRecord])
        const keys = keysOf([a, b, c] as ReadonlyArray<SinkRecord>)
        assert.deepStrictEqual(sorted(yield* storedKeys(keys, uniqueName)), sorted(keys))
        const probe = yield* SinkProbe
        for (const copy of yield* probe.stored(keys)) assert.strictEqual(copy.messageId, shared)
      }))

    test("accepts the same records again, alone or with new ones, and stores no other message", ({ uniqueName }) =>
      Effect.gen(function* () {
        const records = recordsOf(uniqueName, 4)
        const fresh = recordsOf(uniqueName, 1, 5)
        yield* write(records)
        yield* write(records)
        yield* write([records[0] as SinkRecord, ...fresh])
        const all = keysOf([...records, ...fresh])
        assert.deepStrictEqual(sorted(yield* storedKeys(all, uniqueName)), sorted(all))
      }))

    test("treats an empty batch as a no-op", ({ uniqueName }) =>
      Effect.gen(function* () {
        const records = recordsOf(uniqueName, 2)
        yield* write([])
        assert.strictEqual((yield* storedKeys(keysOf(records), uniqueName)).size, 0)
        yield* write(records.slice(0, 1))
        yield* write([])
        assert.deepStrictEqual(sorted(yield* storedKeys(keysOf(records), uniqueName)), [records[0]?.key as string])
      }))

    test("accepts a record of an event type it does not know", ({ uniqueName }) =>
      Effect.gen(function* () {
        const unknown = sinkRecord(
          { event_type: "quota_warning", run_id: uniqueName, message: "Subscription close to its vCPU quota" },
          { messageId: `${uniqueName}-unknown`, sequenceNumber: sequenceNumberOf(uniqueName, 0) },
        )
        yield* write([unknown, ...recordsOf(uniqueName, 1)])
        const stored = yield* storedKeys(keysOf(recordsOf(uniqueName, 1)), uniqueName)
        assert.strictEqual(stored.size, 1)
      }))

    if (options.faultInjection === true) {
      const faultTest = (
        title: string,
        body: (context: ContractContext) => Effect.Effect<void, unknown, S | SinkProbe | SinkFaultInjection>,
      ) => contractTest(title, options.makeLayer, body, wait)

      const failingWrite = (records: ReadonlyArray<SinkRecord>, failing: string, kind: "transient" | "permanent") =>
        Effect.gen(function* () {
          const faults = yield* SinkFaultInjection
          yield* faults.failRecords([failing], kind)
          const error = yield* Effect.flip(write(records)).pipe(
            Effect.catch(() => Effect.die(new Error(`the write succeeded although ${failing} was made to fail`))),
          )
          yield* faults.clear
          return error
        })

      /** The failure names the failing record, only records of the batch, each once, and none that was stored. */
      const expectExactFailure = (
        error: SinkWriteError,
        records: ReadonlyArray<SinkRecord>,
        failing: string,
        runId: string,
      ) =>
        Effect.gen(function* () {
          const batch = keysOf(records)
          assert.strictEqual(error._tag, "SinkWriteError")
          assert.include(error.failedKeys, failing)
          assert.strictEqual(new Set(error.failedKeys).size, error.failedKeys.length, "keys named twice")
          for (const key of error.failedKeys) assert.include(batch, key, "a failed key is not in the batch")
          const stored = yield* storedKeys(batch, runId)
          for (const key of error.failedKeys) assert.isFalse(stored.has(key), `${key} failed but was stored`)
          assert.deepStrictEqual(sorted([...stored, ...error.failedKeys]), sorted(batch))
          assert.isNotEmpty(error.message)
        })

      for (const fault of [
        {
          name: "names exactly the records that did not land when the peer rejects some",
          failing: 2,
          as: "permanent",
          kind: "Rejected",
          why: "a rejection of the data is Rejected",
        },
        {
          name: "marks a failure transient when the peer is unavailable",
          failing: 1,
          as: "transient",
          kind: "Transient",
          why: "a peer that is down or throttles is a transient failure",
        },
      ] as const) {
        faultTest(fault.name, ({ uniqueName }) =>
          Effect.gen(function* () {
            const records = recordsOf(uniqueName, 4)
            const failing = records[fault.failing]?.key as string
            const error = yield* failingWrite(records, failing, fault.as)
            assert.strictEqual(error.kind, fault.kind, fault.why)
            yield* expectExactFailure(error, records, failing, uniqueName)
          }),
        )
      }

      faultTest("stores the failed records when they are written again after the fault", ({ uniqueName }) =>
        Effect.gen(function* () {
          const records = recordsOf(uniqueName, 4)
          const error = yield* failingWrite(records, records[0]?.key as string, "transient")
          const retry = records.filter((record) => error.failedKeys.includes(record.key))
          yield* write(retry)
          assert.deepStrictEqual(sorted(yield* storedKeys(keysOf(records), uniqueName)), sorted(keysOf(records)))
        }),
      )
    }
  })
}

/** The `LogAnalyticsSink` contract suite; call it at the top level of a test file. */
export const logAnalyticsSinkContract = <E>(name: string, options: SinkContractOptions<LogAnalyticsSink, E>): void =>
  sinkContract("LogAnalyticsSink", LogAnalyticsSink, name, options)

/** The `ArchiveSink` contract suite; call it at the top level of a test file. */
export const archiveSinkContract = <E>(name: string, options: SinkContractOptions<ArchiveSink, E>): void =>
  sinkContract("ArchiveSink", ArchiveSink, name, options)
