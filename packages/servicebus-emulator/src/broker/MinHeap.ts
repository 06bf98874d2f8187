/** A binary min-heap keyed by a number (redelivered messages ordered by sequence number). */
export class MinHeap<T> {
  private readonly items: Array<T> = []
  private readonly key: (item: T) => number

  constructor(key: (item: T) => number) {
    this.key = key
  }

  get length(): number {
    return this.items.length
  }

  peek(): T | undefined {
    return this.items[0]
  }

  push(item: T): void {
    const items = this.items
    items.push(item)
    let index = items.length - 1
    const k = this.key(item)
    while (index > 0) {
      const parent = (index - 1) >> 1
      const p = items[parent] as T
      if (this.key(p) <= k) break
      items[index] = p
      index = parent
    }
    items[index] = item
  }

  pop(): T | undefined {
    const items = this.items
    const top = items[0]
    const last = items.pop()
    if (items.length === 0 || last === undefined) return top
    let index = 0
    const k = this.key(last)
    for (;;) {
      const left = 2 * index + 1
      if (left >= items.length) break
      const right = left + 1
      let child = left
      if (right < items.length && this.key(items[right] as T) < this.key(items[left] as T)) child = right
      const c = items[child] as T
      if (this.key(c) >= k) break
      items[index] = c
      index = child
    }
    items[index] = last
    return top
  }
}
