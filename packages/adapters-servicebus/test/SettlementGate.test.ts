import type { SettlementKind } from "@haymaker/domain"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { SettlementGate } from "../src/SettlementGate.ts"

/**
 * A stand-in receiver that records settlements the way rhea batches them into frames: the SDK reaches rhea a few
 * promise hops after the call, rhea queues the delivery's new state and writes everything queued in one
 * `process.nextTick`. Each entry of `frames` is what one such write would carry.
 */
class RecordingReceiver {
  readonly frames: Array<ReadonlyArray<string>> = []
  #queued: Array<string> = []
  #writeScheduled = false

  settle(kind: SettlementKind, id: string): Promise<void> {
    return Promise.resolve()
      .then(() => undefined)
      .then(() => {
        this.#queued.push(`${kind}:${id}`)
        if (this.#writeScheduled) return
        this.#writeScheduled = true
        process.nextTick(() => {
          this.#writeScheduled = false
          this.frames.push(this.#queued)
          this.#queued = []
        })
      })
      .then(() => new Promise<void>((resolve) => setTimeout(resolve, 0)))
  }
}

const kindOf = (entry: string): string => entry.slice(0, entry.indexOf(":"))

/** Frames that carry two different kinds, or a settlement other than a completion next to anything else. */
const unsafeFrames = (frames: ReadonlyArray<ReadonlyArray<string>>) =>
  frames.filter((frame) => {
    const kinds = new Set(frame.map(kindOf))
    return kinds.size > 1 || (frame.length > 1 && !kinds.has("Complete"))
  })

/** Settles through the gate; resolves when the stand-in acknowledged the settlement. */
const settleThrough = (gate: SettlementGate, receiver: RecordingReceiver, kind: SettlementKind, id: string) =>
  new Promise<void>((resolve, reject) => gate.submit(kind, () => receiver.settle(kind, id).then(resolve, reject)))

const kinds: ReadonlyArray<SettlementKind> = ["Complete", "Abandon", "DeadLetter", "Defer"]

/** How the caller lets time pass between two blocks of settlements made in one synchronous go. */
type Pause = "none" | "microtask" | "nextTick" | "immediate" | "timeout"
const pause = (kind: Pause): Promise<void> => {
  switch (kind) {
    case "none":
      return Promise.resolve()
    case "microtask":
      return Promise.resolve().then(() => undefined)
    case "nextTick":
      return new Promise((resolve) => process.nextTick(resolve))
    case "immediate":
      return new Promise((resolve) => setImmediate(resolve))
    case "timeout":
      return new Promise((resolve) => setTimeout(resolve, 0))
  }
}

describe("SettlementGate", () => {
  it("is needed: without it, concurrent settlements with different kinds share one frame of the stand-in", async () => {
    const receiver = new RecordingReceiver()
    await Promise.all([
      receiver.settle("Complete", "m1"),
      receiver.settle("Abandon", "m2"),
      receiver.settle("Complete", "m3"),
    ])
    expect(receiver.frames).toEqual([["Complete:m1", "Abandon:m2", "Complete:m3"]])
    expect(unsafeFrames(receiver.frames)).toHaveLength(1)
  })

  it("sends complete / abandon / complete made in one turn as two frames: the completions, then the abandon", async () => {
    const gate = new SettlementGate()
    const receiver = new RecordingReceiver()
    await Promise.all([
      settleThrough(gate, receiver, "Complete", "m1"),
      settleThrough(gate, receiver, "Abandon", "m2"),
      settleThrough(gate, receiver, "Complete", "m3"),
    ])
    expect(receiver.frames).toEqual([["Complete:m1", "Complete:m3"], ["Abandon:m2"]])
  })

  it("gives every dead-letter, abandon and defer a frame of its own, in the order they were made", async () => {
    const gate = new SettlementGate()
    const receiver = new RecordingReceiver()
    const made = ["DeadLetter", "DeadLetter", "Abandon", "Defer", "Abandon"] as const
    await Promise.all(made.map((kind, i) => settleThrough(gate, receiver, kind, `m${i}`)))
    expect(receiver.frames).toEqual(made.map((kind, i) => [`${kind}:m${i}`]))
  })

  it("keeps a micro-batch of completions in one frame even with other kinds among them", async () => {
    const gate = new SettlementGate()
    const receiver = new RecordingReceiver()
    const made = Array.from({ length: 500 }, (_, i): SettlementKind => (i % 100 === 50 ? "DeadLetter" : "Complete"))
    await Promise.all(made.map((kind, i) => settleThrough(gate, receiver, kind, `m${i}`)))
    expect(receiver.frames.map((frame) => frame.length)).toEqual([495, 1, 1, 1, 1, 1])
    expect(unsafeFrames(receiver.frames)).toEqual([])
    expect(gate.waiting).toBe(0)
  })

  it("never lets a frame carry two kinds, and issues every settlement exactly once, whatever the timing", async () => {
    const block = fc.array(fc.constantFrom(...kinds), { minLength: 1, maxLength: 12 })
    const pauses = fc.constantFrom<Pause>("none", "microtask", "nextTick", "immediate", "timeout")
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(block, pauses), { minLength: 1, maxLength: 12 }), async (blocks) => {
        const gate = new SettlementGate()
        const receiver = new RecordingReceiver()
        const settled: Array<Promise<void>> = []
        let n = 0
        for (const [made, then] of blocks) {
          for (const kind of made) settled.push(settleThrough(gate, receiver, kind, `m${n++}`))
          await pause(then)
        }
        await Promise.all(settled)
        expect(unsafeFrames(receiver.frames)).toEqual([])
        const sent = receiver.frames.flat()
        expect(sent).toHaveLength(n)
        expect(new Set(sent).size).toBe(n)
        expect(gate.waiting).toBe(0)
      }),
      { numRuns: 200 },
    )
  })
})
