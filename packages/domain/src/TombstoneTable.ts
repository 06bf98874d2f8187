/** A deleted resource as the mutable ledger keeps it: which run deleted it and when, nothing else. */
export interface Tombstone {
  readonly runId: string
  readonly scenarioName: string
  /** Epoch milliseconds of the winning deletion. */
  readonly deletedAt: number
}

const EMPTY = -1
const INITIAL_SLOTS = 1_024
const WIDE = -1

/**
 * FNV-1a over the key's characters (cheap, and good enough to spread resource ids over an open-addressed index), or
 * WIDE when a character is beyond Latin-1 (one byte each).
 */
const hashOf = (key: string): number => {
  let hash = 0x811c9dc5
  let widest = 0
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i)
    widest |= code
    hash = Math.imul(hash ^ code, 0x01000193)
  }
  return widest > 0xff ? WIDE : hash >>> 0
}

/**
 * The deleted resources of a mutable ledger, packed outside the JavaScript heap: keys as bytes in one growing buffer,
 * found through an open-addressed index of slot numbers, with each slot's deletion time and interned (run, scenario)
 * pair in typed arrays. An archive's deleted resources far outnumber its live ones; held as a `Map` of strings they
 * were hundreds of thousands of small objects that every garbage collection copied or marked again, and here they
 * are a few buffers that it never looks into. Keys with a character beyond Latin-1 (not seen in Azure ids) fall back
 * to a `Map`.
 */
export class TombstoneTable {
  private count = 0
  /** Slot of each index position, or EMPTY; the index has a power-of-two length, at most half full. */
  private index = new Int32Array(INITIAL_SLOTS * 2).fill(EMPTY)
  private hashes = new Uint32Array(INITIAL_SLOTS)
  /** A slot's key is `bytes[starts[slot] .. starts[slot] + lengths[slot]]`; length -1: the key is in `wide`. */
  private starts = new Int32Array(INITIAL_SLOTS)
  private lengths = new Int32Array(INITIAL_SLOTS)
  private bytes = new Uint8Array(INITIAL_SLOTS * 128)
  private used = 0
  private readonly wide = new Map<string, number>()
  private deletedAt = new Float64Array(INITIAL_SLOTS)
  private owner = new Int32Array(INITIAL_SLOTS)
  private readonly owners: Array<{ readonly runId: string; readonly scenarioName: string }> = []
  private readonly ownerOf = new Map<string, Map<string, number>>()

  get size(): number {
    return this.count
  }

  has(key: string): boolean {
    return this.slotOf(key) !== EMPTY
  }

  /**
   * Records a deletion of `key`, keeping the winning one: the later, then (same millisecond) the larger run id, then
   * the larger scenario, so the result does not depend on the order of the calls.
   */
  put(key: string, runId: string, scenarioName: string, deletedAt: number): void {
    const hash = hashOf(key)
    const slot = this.slotOf(key, hash)
    if (slot === EMPTY) {
      const next = this.insert(key, hash)
      this.deletedAt[next] = deletedAt
      this.owner[next] = this.intern(runId, scenarioName)
      return
    }
    const current = this.owners[this.owner[slot] ?? 0]
    const previous = this.deletedAt[slot] ?? 0
    const wins =
      deletedAt !== previous
        ? deletedAt > previous
        : current === undefined ||
          (runId !== current.runId ? runId > current.runId : scenarioName > current.scenarioName)
    if (!wins) return
    this.deletedAt[slot] = deletedAt
    this.owner[slot] = this.intern(runId, scenarioName)
  }

  *values(): IterableIterator<Tombstone> {
    for (let slot = 0; slot < this.count; slot++) {
      const owner = this.owners[this.owner[slot] ?? 0]
      if (owner !== undefined) yield { ...owner, deletedAt: this.deletedAt[slot] ?? 0 }
    }
  }

  private slotOf(key: string, hash: number = hashOf(key)): number {
    if (hash === WIDE) return this.wide.get(key) ?? EMPTY
    const mask = this.index.length - 1
    for (let at = hash & mask; ; at = (at + 1) & mask) {
      const slot = this.index[at] ?? EMPTY
      if (slot === EMPTY) return EMPTY
      if (this.hashes[slot] === hash && this.keyEquals(slot, key)) return slot
    }
  }

  private keyEquals(slot: number, key: string): boolean {
    const length = this.lengths[slot] ?? -1
    if (length !== key.length) return false
    const start = this.starts[slot] ?? 0
    for (let i = 0; i < length; i++) if (this.bytes[start + i] !== key.charCodeAt(i)) return false
    return true
  }

  /** A new slot for `key`, which is not in the table. */
  private insert(key: string, hash: number): number {
    const slot = this.count++
    if (slot === this.deletedAt.length) this.growSlots()
    if (hash === WIDE) {
      this.wide.set(key, slot)
      this.lengths[slot] = -1
      return slot
    }
    if (this.used + key.length > this.bytes.length) {
      const bytes = new Uint8Array(Math.max(this.bytes.length * 2, this.used + key.length))
      bytes.set(this.bytes.subarray(0, this.used))
      this.bytes = bytes
    }
    for (let i = 0; i < key.length; i++) this.bytes[this.used + i] = key.charCodeAt(i)
    this.starts[slot] = this.used
    this.lengths[slot] = key.length
    this.used += key.length
    this.hashes[slot] = hash
    if ((this.count - this.wide.size) * 2 > this.index.length) this.rehash(this.index.length * 2)
    else this.place(slot, hash)
    return slot
  }

  private place(slot: number, hash: number): void {
    const mask = this.index.length - 1
    let at = hash & mask
    while (this.index[at] !== EMPTY) at = (at + 1) & mask
    this.index[at] = slot
  }

  private rehash(length: number): void {
    this.index = new Int32Array(length).fill(EMPTY)
    for (let slot = 0; slot < this.count; slot++) {
      if (this.lengths[slot] !== -1) this.place(slot, this.hashes[slot] ?? 0)
    }
  }

  private growSlots(): void {
    const length = this.deletedAt.length * 2
    const grown = <T extends Int32Array | Uint32Array | Float64Array>(array: T, make: (length: number) => T): T => {
      const next = make(length)
      next.set(array)
      return next
    }
    this.deletedAt = grown(this.deletedAt, (n) => new Float64Array(n))
    this.owner = grown(this.owner, (n) => new Int32Array(n))
    this.hashes = grown(this.hashes, (n) => new Uint32Array(n))
    this.starts = grown(this.starts, (n) => new Int32Array(n))
    this.lengths = grown(this.lengths, (n) => new Int32Array(n))
  }

  private intern(runId: string, scenarioName: string): number {
    let scenarios = this.ownerOf.get(runId)
    if (scenarios === undefined) {
      scenarios = new Map()
      this.ownerOf.set(runId, scenarios)
    }
    let index = scenarios.get(scenarioName)
    if (index === undefined) {
      index = this.owners.length
      this.owners.push({ runId, scenarioName })
      scenarios.set(scenarioName, index)
    }
    return index
  }
}
