/**
 * A binary min-heap ordered by a numeric key: the broker's one priority queue (redelivered messages by sequence
 * number, deadlines by time). With `moved`, it reports every item's position as it moves, so the owner can remove
 * or re-key an item in O(log n) (`removeAt`, `update`) instead of leaving it behind.
 */
export class MinHeap<T> {
  private readonly items: Array<T> = []
  private readonly key: (item: T) => number
  private readonly moved: ((item: T, index: number) => void) | undefined

  constructor(key: (item: T) => number, moved?: (item: T, index: number) => void) {
    this.key = key
    this.moved = moved
  }

  get length(): number {
    return this.items.length
  }

  peek(): T | undefined {
    return this.items[0]
  }

  push(item: T): void {
    this.items.push(item)
    this.up(this.items.length - 1, item)
  }

  pop(): T | undefined {
    return this.items.length === 0 ? undefined : this.removeAt(0)
  }

  /** Removes and returns the item at `index` (a position `moved` reported). */
  removeAt(index: number): T {
    const items = this.items
    const removed = items[index] as T
    const last = items.pop() as T
    if (index < items.length) this.down(this.up(index, last), last)
    return removed
  }

  /** Restores the order after the key of the item at `index` changed. */
  update(index: number): void {
    const item = this.items[index] as T
    this.down(this.up(index, item), item)
  }

  clear(): void {
    this.items.length = 0
  }

  /** Moves `item`, to be placed at `start`, towards the root; returns where it ended. */
  private up(start: number, item: T): number {
    const items = this.items
    const key = this.key(item)
    let index = start
    while (index > 0) {
      const parentIndex = (index - 1) >> 1
      const parent = items[parentIndex] as T
      if (this.key(parent) <= key) break
      this.place(parent, index)
      index = parentIndex
    }
    this.place(item, index)
    return index
  }

  /** Moves `item`, placed at `start`, towards the leaves. */
  private down(start: number, item: T): void {
    const items = this.items
    const length = items.length
    const key = this.key(item)
    let index = start
    for (;;) {
      const left = 2 * index + 1
      if (left >= length) break
      const right = left + 1
      let child = left
      if (right < length && this.key(items[right] as T) < this.key(items[left] as T)) child = right
      const childItem = items[child] as T
      if (this.key(childItem) >= key) break
      this.place(childItem, index)
      index = child
    }
    this.place(item, index)
  }

  private place(item: T, index: number): void {
    this.items[index] = item
    this.moved?.(item, index)
  }
}
