import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { MinHeap } from "../src/broker/MinHeap.ts"

interface Item {
  key: number
  index: number
  readonly id: number
}

type Operation =
  | { readonly op: "push"; readonly key: number }
  | { readonly op: "pop" }
  | { readonly op: "remove"; readonly pick: number }
  | { readonly op: "update"; readonly pick: number; readonly key: number }

const key = fc.integer({ min: 0, max: 50 })
// Pushes weigh most, so the heap grows deep enough for removals and re-keying in its middle.
const operation: fc.Arbitrary<Operation> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant("push" as const), key }), weight: 5 },
  fc.record({ op: fc.constant("pop" as const) }),
  fc.record({ op: fc.constant("remove" as const), pick: fc.nat({ max: 1000 }) }),
  fc.record({ op: fc.constant("update" as const), pick: fc.nat({ max: 1000 }), key }),
)

describe("MinHeap", () => {
  it("pops the lowest key and keeps every position it reports right, through pushes, removals and re-keying", () => {
    fc.assert(
      fc.property(fc.array(operation, { minLength: 30, maxLength: 300 }), (operations) => {
        // Every placement is reported, so `placed` mirrors the heap's array: the heap order can be checked.
        const placed: Array<Item> = []
        const heap = new MinHeap<Item>(
          (item) => item.key,
          (item, index) => {
            item.index = index
            placed[index] = item
          },
        )
        // The model: the items in the heap, in no order.
        const live: Array<Item> = []
        let nextId = 0
        const take = (item: Item) => {
          live.splice(live.indexOf(item), 1)
          item.index = -1
        }
        for (const step of operations) {
          if (step.op === "push") {
            const item = { key: step.key, index: -1, id: nextId++ }
            heap.push(item)
            live.push(item)
          } else if (step.op === "pop") {
            const popped = heap.pop()
            if (live.length === 0) {
              expect(popped).toBeUndefined()
              continue
            }
            expect(popped?.key).toBe(Math.min(...live.map((item) => item.key)))
            take(popped as Item)
          } else {
            const item = live[step.pick % Math.max(1, live.length)]
            if (item === undefined) continue
            if (step.op === "remove") {
              expect(heap.removeAt(item.index)).toBe(item)
              take(item)
            } else {
              item.key = step.key
              heap.update(item.index)
            }
          }
          expect(heap.length).toBe(live.length)
          placed.length = heap.length
          for (const [index, item] of placed.entries()) {
            expect(item.index).toBe(index)
            if (index > 0) expect((placed[(index - 1) >> 1] as Item).key).toBeLessThanOrEqual(item.key)
          }
          expect(heap.peek()?.key).toBe(live.length === 0 ? undefined : Math.min(...live.map((i) => i.key)))
        }
        // Draining yields every remaining item once, in key order.
        const drained: Array<Item> = []
        for (let item = heap.pop(); item !== undefined; item = heap.pop()) drained.push(item)
        expect(drained.map((item) => item.id).sort((a, b) => a - b)).toEqual(
          live.map((item) => item.id).sort((a, b) => a - b),
        )
        expect(drained.map((item) => item.key)).toEqual(live.map((item) => item.key).sort((a, b) => a - b))
      }),
    )
  })

  it("without a position callback, orders items by key (redelivered messages by sequence number)", () => {
    const heap = new MinHeap<number>((n) => n)
    for (const n of [5, 3, 9, 1, 7, 3]) heap.push(n)
    const popped = [heap.pop(), heap.pop(), heap.pop(), heap.pop(), heap.pop(), heap.pop(), heap.pop()]
    expect(popped).toEqual([1, 3, 3, 5, 7, 9, undefined])
  })
})
