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
const NOT_DELETED = -1
/** Keys are stored in chunks of this many 4-byte words (256 KB), so the storage grows without copying. */
const CHUNK_BITS = 16
const CHUNK_WORDS = 1 << CHUNK_BITS
/** Longer keys (far longer than any Azure id) are kept in the `Map` too, so that every other key fits a chunk. */
const MAX_PACKED = 4_096

const encoder = new TextEncoder()

/**
 * The resource keys of a mutable ledger, each given a slot number the first time it is seen, and the tombstones of the
 * deleted ones, packed outside the JavaScript heap: keys as bytes in chunks of 256 KB, added as they fill and never
 * copied, found through an open-addressed index of slot numbers, with each slot's deletion time and interned (run,
 * scenario) pair in typed arrays. An archive's deleted resources far outnumber its live ones; held as a `Map` of
 * strings they were hundreds of thousands of small objects that every garbage collection copied or marked again, and
 * here they are a few buffers that it never looks into. A key is copied in by `TextEncoder.encodeInto` and stored
 * from a 4-byte boundary, zero-padded, so that hashing and comparing it go four bytes at a time: loops over
 * `charCodeAt` made a lookup several times dearer than a `Map`'s. Keys with a character beyond ASCII (not seen in
 * Azure ids), and keys longer than 4,096 characters, fall back to a `Map`.
 */
export class TombstoneTable {
  /** Slots given out: keys seen. */
  private count = 0
  /** Slots with a tombstone. */
  private deletions = 0
  /** Slot of each index position, or EMPTY; the index has a power-of-two length, at most half full. */
  private index = new Int32Array(INITIAL_SLOTS * 2).fill(EMPTY)
  private hashes = new Uint32Array(INITIAL_SLOTS)
  /**
   * A slot's key is `lengths[slot]` bytes from word `starts[slot] % CHUNK_WORDS` of chunk `starts[slot] / CHUNK_WORDS`;
   * length -1: the key is in `wide`.
   */
  private starts = new Int32Array(INITIAL_SLOTS)
  private lengths = new Int32Array(INITIAL_SLOTS)
  private readonly chunks: Array<Uint32Array> = []
  /** Words of the last chunk in use. */
  private used = CHUNK_WORDS
  /** The key last looked up, encoded and zero-padded to a whole word (`scratchWords` is the same memory). */
  private scratch = new Uint8Array(1_024)
  private scratchWords = new Uint32Array(this.scratch.buffer)
  private readonly wide = new Map<string, number>()
  private deletedAt = new Float64Array(INITIAL_SLOTS)
  /** A slot's (run, scenario) in `owners`, or NOT_DELETED. */
  private owner = new Int32Array(INITIAL_SLOTS)
  private readonly owners: Array<{ readonly runId: string; readonly scenarioName: string }> = []
  private readonly ownerOf = new Map<string, Map<string, number>>()

  /** Number of tombstones (deleted keys). */
  get size(): number {
    return this.deletions
  }

  /** Whether `key` has a tombstone. */
  has(key: string): boolean {
    const slot = this.slotOf(key, this.encode(key))
    return slot !== EMPTY && this.isDeleted(slot)
  }

  /** The slot of `key`, given the first time it is asked for; a slot is a small number, from 0, for ever the key's. */
  slot(key: string): number {
    const hash = this.encode(key)
    const slot = this.slotOf(key, hash)
    return slot === EMPTY ? this.insert(key, hash) : slot
  }

  /** Whether the key of `slot` has a tombstone. */
  isDeleted(slot: number): boolean {
    return (this.owner[slot] ?? NOT_DELETED) !== NOT_DELETED
  }

  /**
   * Records a deletion of `key`, keeping the winning one: the later, then (same millisecond) the larger run id, then
   * the larger scenario, so the result does not depend on the order of the calls.
   */
  put(key: string, runId: string, scenarioName: string, deletedAt: number): void {
    this.delete(this.slot(key), runId, scenarioName, deletedAt)
  }

  /** {@link put} by the key's {@link slot}. */
  delete(slot: number, runId: string, scenarioName: string, deletedAt: number): void {
    if (!this.isDeleted(slot)) {
      this.deletions++
      this.deletedAt[slot] = deletedAt
      this.owner[slot] = this.intern(runId, scenarioName)
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
      const owner = this.owners[this.owner[slot] ?? NOT_DELETED]
      if (owner !== undefined) yield { ...owner, deletedAt: this.deletedAt[slot] ?? 0 }
    }
  }

  /**
   * Copies `key` into `scratch`, zero-padded to a whole word, and hashes it there a word at a time (Murmur3's mixing);
   * WIDE when the key is not ASCII (its UTF-8 is longer than its characters; a lone surrogate would not survive it).
   */
  private encode(key: string): number {
    const length = key.length
    if (length > MAX_PACKED) return WIDE
    if (length + 4 > this.scratch.length) {
      this.scratch = new Uint8Array(2 * (length + 4))
      this.scratchWords = new Uint32Array(this.scratch.buffer)
    }
    const scratch = this.scratch
    if (encoder.encodeInto(key, scratch).written !== length) return WIDE
    for (let i = length; (i & 3) !== 0; i++) scratch[i] = 0
    const words = this.scratchWords
    let hash = length
    for (let w = 0, n = (length + 3) >>> 2; w < n; w++) {
      let k = Math.imul(words[w] ?? 0, 0xcc9e2d51)
      k = Math.imul((k << 15) | (k >>> 17), 0x1b873593)
      hash ^= k
      hash = (Math.imul((hash << 13) | (hash >>> 19), 5) + 0xe6546b64) | 0
    }
    hash ^= hash >>> 16
    hash = Math.imul(hash, 0x85ebca6b)
    hash ^= hash >>> 13
    hash = Math.imul(hash, 0xc2b2ae35)
    hash ^= hash >>> 16
    return hash >>> 0
  }

  /** The slot of `key`, which {@link encode} just put into `scratch` and hashed to `hash`, or EMPTY. */
  private slotOf(key: string, hash: number): number {
    if (hash === WIDE) return this.wide.get(key) ?? EMPTY
    const mask = this.index.length - 1
    for (let at = hash & mask; ; at = (at + 1) & mask) {
      const slot = this.index[at] ?? EMPTY
      if (slot === EMPTY) return EMPTY
      if (this.hashes[slot] === hash && this.keyEquals(slot, key.length)) return slot
    }
  }

  /** Whether the key of `slot` is the one in `scratch`, `length` bytes long. */
  private keyEquals(slot: number, length: number): boolean {
    if (this.lengths[slot] !== length) return false
    const at = this.starts[slot] ?? 0
    const words = this.chunks[at >>> CHUNK_BITS]
    if (words === undefined) return false
    const scratch = this.scratchWords
    const start = at & (CHUNK_WORDS - 1)
    for (let w = 0, n = (length + 3) >>> 2; w < n; w++) if (words[start + w] !== scratch[w]) return false
    return true
  }

  /** A new slot for `key`, which is not in the table and which {@link encode} just put into `scratch`. */
  private insert(key: string, hash: number): number {
    const slot = this.count++
    if (slot === this.deletedAt.length) this.growSlots()
    this.owner[slot] = NOT_DELETED
    if (hash === WIDE) {
      this.wide.set(key, slot)
      this.lengths[slot] = -1
      return slot
    }
    const n = (key.length + 3) >>> 2
    if (this.used + n > CHUNK_WORDS) {
      this.chunks.push(new Uint32Array(CHUNK_WORDS))
      this.used = 0
    }
    const used = this.used
    const words = this.chunks[this.chunks.length - 1] ?? new Uint32Array(0)
    const scratch = this.scratchWords
    // A loop, not `set(subarray)`: a subarray per key cost more than copying its few dozen words.
    for (let w = 0; w < n; w++) words[used + w] = scratch[w] ?? 0
    this.starts[slot] = ((this.chunks.length - 1) << CHUNK_BITS) | used
    this.lengths[slot] = key.length
    this.used = used + n
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
