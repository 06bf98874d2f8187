/** A deleted resource as the mutable ledger keeps it: which run deleted it and when, nothing else. */
export interface Tombstone {
  readonly runId: string
  readonly scenarioName: string
  /** Epoch milliseconds of the winning deletion. */
  readonly deletedAt: number
}

/**
 * The deleted resources of a mutable ledger, packed: a slot number per key, the deletion time and the (run,
 * scenario) pair in typed arrays, the pairs interned. A deleted resource then costs its key and a few dozen bytes,
 * against a few hundred for an object per tombstone: an archive's deleted resources far outnumber its live ones.
 */
export class TombstoneTable {
  private readonly slots = new Map<string, number>()
  private deletedAt = new Float64Array(1_024)
  private owner = new Int32Array(1_024)
  private readonly owners: Array<{ readonly runId: string; readonly scenarioName: string }> = []
  private readonly ownerOf = new Map<string, Map<string, number>>()

  get size(): number {
    return this.slots.size
  }

  has(key: string): boolean {
    return this.slots.has(key)
  }

  /**
   * Records a deletion of `key`, keeping the winning one: the later, then (same millisecond) the larger run id, then
   * the larger scenario, so the result does not depend on the order of the calls.
   */
  put(key: string, runId: string, scenarioName: string, deletedAt: number): void {
    const slot = this.slots.get(key)
    if (slot === undefined) {
      const next = this.slots.size
      if (next === this.deletedAt.length) this.grow()
      this.slots.set(key, next)
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
    for (const slot of this.slots.values()) {
      const owner = this.owners[this.owner[slot] ?? 0]
      if (owner !== undefined) yield { ...owner, deletedAt: this.deletedAt[slot] ?? 0 }
    }
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

  private grow(): void {
    const deletedAt = new Float64Array(this.deletedAt.length * 2)
    deletedAt.set(this.deletedAt)
    this.deletedAt = deletedAt
    const owner = new Int32Array(this.owner.length * 2)
    owner.set(this.owner)
    this.owner = owner
  }
}
