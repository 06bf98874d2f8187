/**
 * A binary min-heap: the bus hands out the available message with the lowest sequence number in O(log n). The
 * emulator has its own (`broker/MinHeap.ts`, with positions for removal); the test kit does not reach into it.
 */
export class MinHeap<A> {
  private readonly items: Array<A> = []
  private readonly lessThan: (a: A, b: A) => boolean

  constructor(lessThan: (a: A, b: A) => boolean) {
    this.lessThan = lessThan
  }

  get size(): number {
    return this.items.length
  }

  push(item: A): void {
    const items = this.items
    items.push(item)
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.lessThan(items[i] as A, items[parent] as A)) break
      this.swap(i, parent)
      i = parent
    }
  }

  pop(): A | undefined {
    const items = this.items
    const top = items[0]
    const last = items.pop()
    if (items.length === 0 || last === undefined) return top
    items[0] = last
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      const right = left + 1
      let smallest = i
      if (left < items.length && this.lessThan(items[left] as A, items[smallest] as A)) smallest = left
      if (right < items.length && this.lessThan(items[right] as A, items[smallest] as A)) smallest = right
      if (smallest === i) return top
      this.swap(i, smallest)
      i = smallest
    }
  }

  private swap(i: number, j: number): void {
    const items = this.items
    const a = items[i] as A
    items[i] = items[j] as A
    items[j] = a
  }
}
