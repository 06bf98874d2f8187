/**
 * The resource ledger: the current state of every resource, folded from lifecycle observations (the `Resource`s that
 * parsing produces, one per event), and a per-run report.
 *
 * Rules, chosen so that the result does not depend on delivery order (at-least-once delivery duplicates and reorders):
 * - resources are keyed by resource id compared case-insensitively (Azure ids are case-insensitive);
 * - the newer timestamp wins; on a tie, `deleted` beats `deletion_failed` beats `exists` beats `created`;
 * - `deleted` is final: a `resource_created` or a deletion failure that arrives later never resurrects a resource
 *   once any `resource_deleted` was seen for it;
 * - `createdAt` is the earliest creation seen (or the earliest observation when no creation was seen),
 *   `deletionAttempts` the highest count reported, `deletionError` the error of the latest failure, `tags` those of
 *   the latest observation that carried any.
 * Every rule is a maximum or a minimum, so folding is commutative, associative and idempotent: duplicates change
 * nothing and any permutation of the same observations gives the same ledger.
 */
import { DateTime, HashMap, Option } from "effect"
import type { ResourceEvent } from "./events/ResourceEvent.ts"
import { type Resource, type ResourceStatus, resourceOfValidated } from "./Resource.ts"
import { encodeResource } from "./ResourceRecord.ts"
import { resourceFromEvent } from "./resourceFromEvent.ts"
import { type Tombstone, TombstoneTable } from "./TombstoneTable.ts"

export type { Tombstone }

interface Entry {
  /** The winning observation among all. */
  readonly latest: Resource
  /** The winning `deleted` observation, if any: it decides the state once present. */
  readonly latestDeletion: Resource | undefined
  readonly latestFailure: Resource | undefined
  readonly latestTagged: Resource | undefined
  readonly earliestCreation: DateTime.Utc | undefined
  readonly earliestObservation: DateTime.Utc
  readonly maxAttempts: number
}

export interface ResourceLedger {
  readonly entries: HashMap.HashMap<string, Entry>
}

const rank: { readonly [K in ResourceStatus]: number } = { created: 0, exists: 1, deletion_failed: 2, deleted: 3 }

/** When the observation happened: the deletion time for a deletion, otherwise the event time (`createdAt`). */
const observedAt = (resource: Resource): DateTime.Utc =>
  resource.status === "deleted" ? (resource.deletedAt ?? resource.createdAt) : resource.createdAt

// A total order on observations; the serialised form only breaks exact ties, so that duplicates compare equal.
const compare = (a: Resource, b: Resource): number => {
  const byTime = DateTime.toEpochMillis(observedAt(a)) - DateTime.toEpochMillis(observedAt(b))
  if (byTime !== 0) return byTime
  const byRank = rank[a.status] - rank[b.status]
  if (byRank !== 0) return byRank
  const ja = JSON.stringify(encodeResource(a))
  const jb = JSON.stringify(encodeResource(b))
  return ja < jb ? -1 : ja > jb ? 1 : 0
}

const later = (a: Resource | undefined, b: Resource): Resource => (a === undefined || compare(b, a) > 0 ? b : a)

const earlier = (a: DateTime.Utc | undefined, b: DateTime.Utc): DateTime.Utc =>
  a === undefined || DateTime.toEpochMillis(b) < DateTime.toEpochMillis(a) ? b : a

const keyOf = (resourceId: string): string => resourceId.toLowerCase()

const hasTags = (resource: Resource): boolean => {
  for (const _ in resource.tags) return true
  return false
}

const observe = (entry: Entry | undefined, resource: Resource): Entry => {
  const at = observedAt(resource)
  if (entry === undefined) {
    return {
      latest: resource,
      latestDeletion: resource.status === "deleted" ? resource : undefined,
      latestFailure: resource.status === "deletion_failed" ? resource : undefined,
      latestTagged: hasTags(resource) ? resource : undefined,
      earliestCreation: resource.status === "created" ? resource.createdAt : undefined,
      earliestObservation: at,
      maxAttempts: resource.deletionAttempts,
    }
  }
  return {
    latest: later(entry.latest, resource),
    latestDeletion: resource.status === "deleted" ? later(entry.latestDeletion, resource) : entry.latestDeletion,
    latestFailure: resource.status === "deletion_failed" ? later(entry.latestFailure, resource) : entry.latestFailure,
    latestTagged: hasTags(resource) ? later(entry.latestTagged, resource) : entry.latestTagged,
    earliestCreation:
      resource.status === "created" ? earlier(entry.earliestCreation, resource.createdAt) : entry.earliestCreation,
    earliestObservation: earlier(entry.earliestObservation, at),
    maxAttempts: Math.max(entry.maxAttempts, resource.deletionAttempts),
  }
}

const stateOf = (entry: Entry): Resource => {
  const winner = entry.latestDeletion ?? entry.latest
  // Every field comes from observations that are Resources already: only the combination is new.
  return resourceOfValidated({
    resourceId: winner.resourceId,
    resourceType: winner.resourceType,
    resourceName: winner.resourceName,
    scenarioName: winner.scenarioName,
    runId: winner.runId,
    createdAt: entry.earliestCreation ?? entry.earliestObservation,
    status: winner.status,
    deletedAt: entry.latestDeletion === undefined ? undefined : observedAt(entry.latestDeletion),
    deletionAttempts: entry.maxAttempts,
    deletionError: entry.latestFailure?.deletionError,
    tags: entry.latestTagged?.tags,
  })
}

/** A ledger with no resources. */
export const empty: ResourceLedger = { entries: HashMap.empty() }

/** Folds one observation (a parsed `Resource`) into the ledger. */
export const apply = (ledger: ResourceLedger, resource: Resource): ResourceLedger => {
  const key = keyOf(resource.resourceId)
  const entry = observe(Option.getOrUndefined(HashMap.get(ledger.entries, key)), resource)
  return { entries: HashMap.set(ledger.entries, key, entry) }
}

/** Folds a resource event; `now` stands in for a missing timestamp, as in parsing. */
export const applyEvent = (ledger: ResourceLedger, event: ResourceEvent, now: DateTime.Utc): ResourceLedger =>
  apply(ledger, resourceFromEvent(event, now))

/** Folds many observations, in any order. */
export const applyAll = (ledger: ResourceLedger, resources: Iterable<Resource>): ResourceLedger => {
  let next = ledger
  for (const resource of resources) next = apply(next, resource)
  return next
}

/** The ledger of a set of observations. */
export const fromResources = (resources: Iterable<Resource>): ResourceLedger => applyAll(empty, resources)

/** The current state of a resource (id compared case-insensitively). */
export const get = (ledger: ResourceLedger, resourceId: string): Option.Option<Resource> =>
  Option.map(HashMap.get(ledger.entries, keyOf(resourceId)), stateOf)

/** Number of distinct resources. */
export const size = (ledger: ResourceLedger): number => HashMap.size(ledger.entries)

/** The current state of every resource, ordered by (case-insensitive) resource id. */
export const resources = (ledger: ResourceLedger): Array<Resource> =>
  Array.from(ledger.entries)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, entry]) => stateOf(entry))

export interface DeletionFailure {
  readonly resource: Resource
  readonly attempts: number
  readonly error: string | undefined
}

/** What a run left behind. */
export interface RunReport {
  /** The run reported on; `undefined` for a report over every run. */
  readonly runId: string | undefined
  /** Created (or known to exist) and not deleted. */
  readonly present: ReadonlyArray<Resource>
  readonly deleted: ReadonlyArray<Resource>
  /** Whose latest deletion attempt failed, with the number of attempts and the last error. */
  readonly deletionFailed: ReadonlyArray<DeletionFailure>
}

/** The report of one run (`runId`), or of every resource in the ledger when `runId` is omitted. */
export const report = (ledger: ResourceLedger, runId?: string): RunReport => {
  const present: Array<Resource> = []
  const deleted: Array<Resource> = []
  const deletionFailed: Array<DeletionFailure> = []
  for (const resource of resources(ledger)) {
    if (runId !== undefined && resource.runId !== runId) continue
    switch (resource.status) {
      case "created":
      case "exists":
        present.push(resource)
        break
      case "deleted":
        deleted.push(resource)
        break
      case "deletion_failed":
        deletionFailed.push({ resource, attempts: resource.deletionAttempts, error: resource.deletionError })
        break
    }
  }
  return { runId, present, deleted, deletionFailed }
}

/** One report per run id found in the ledger, ordered by run id. */
export const reports = (ledger: ResourceLedger): Array<RunReport> => {
  const runIds = new Set<string>()
  for (const [, entry] of ledger.entries) runIds.add((entry.latestDeletion ?? entry.latest).runId)
  return Array.from(runIds)
    .sort()
    .map((runId) => report(ledger, runId))
}

/**
 * A ledger folded in place, for one pass over very many observations (the report over an archive). The same rules
 * as {@link apply}, with one economy: once a resource is deleted (which is final) only its {@link Tombstone} is kept,
 * packed (see {@link TombstoneTable}), so memory follows the resources still present, plus the id and a few dozen
 * bytes per deleted one. Among deletions with the
 * same timestamp, the larger run id (then scenario) wins, where {@link apply} compares whole observations: the two
 * agree unless one resource is deleted twice in the same millisecond by different runs.
 */
export interface MutableLedger {
  /** Folds one observation. */
  readonly add: (resource: Resource) => void
  /** The current state of every resource not deleted (`created`, `exists`, `deletion_failed`), in no order. */
  readonly live: () => IterableIterator<Resource>
  /** Every deleted resource, in no order. */
  readonly deleted: () => IterableIterator<Tombstone>
  /** Number of distinct resources, deleted or not. */
  readonly size: () => number
}

/** A live resource's {@link Entry}, updated in place: one object per resource, not one per observation. */
type LiveEntry = { -readonly [K in keyof Entry]: Entry[K] }

export const makeMutable = (): MutableLedger => {
  // Every resource id gets a slot in the table (its key as bytes, off the heap; its tombstone once deleted), and a
  // live resource its entry at that slot here: no `Map` hashes the long ids again and again.
  const tombstones = new TombstoneTable()
  const entries: Array<LiveEntry | undefined> = []
  let liveCount = 0
  // Run ids, scenarios and resource types repeat across resources: a live entry keeps one copy of each, not the
  // copies of the archive lines it was read from.
  const pool = new Map<string, string>()
  const shared = (text: string): string => {
    const known = pool.get(text)
    if (known !== undefined) return known
    pool.set(text, text)
    return text
  }
  /** The observation as the ledger keeps it: equal field by field, sharing its strings with the entry's. */
  const kept = (resource: Resource, entry: LiveEntry | undefined): Resource => {
    const latest = entry?.latest
    return resourceOfValidated({
      ...resource,
      resourceId:
        latest !== undefined && latest.resourceId === resource.resourceId ? latest.resourceId : resource.resourceId,
      resourceName:
        latest !== undefined && latest.resourceName === resource.resourceName
          ? latest.resourceName
          : resource.resourceName,
      resourceType: shared(resource.resourceType),
      scenarioName: shared(resource.scenarioName),
      runId: shared(resource.runId),
    })
  }
  const observeInPlace = (entry: LiveEntry, resource: Resource): void => {
    const winsLatest = compare(resource, entry.latest) > 0
    const failure = resource.status === "deletion_failed"
    const winsFailure = failure && (entry.latestFailure === undefined || compare(resource, entry.latestFailure) > 0)
    const tagged = hasTags(resource)
    const winsTagged = tagged && (entry.latestTagged === undefined || compare(resource, entry.latestTagged) > 0)
    if (winsLatest || winsFailure || winsTagged) {
      const observation = kept(resource, entry)
      if (winsLatest) entry.latest = observation
      if (winsFailure) entry.latestFailure = observation
      if (winsTagged) entry.latestTagged = observation
    }
    if (resource.status === "created") entry.earliestCreation = earlier(entry.earliestCreation, resource.createdAt)
    entry.earliestObservation = earlier(entry.earliestObservation, observedAt(resource))
    if (resource.deletionAttempts > entry.maxAttempts) entry.maxAttempts = resource.deletionAttempts
  }
  return {
    add: (resource) => {
      const slot = tombstones.slot(keyOf(resource.resourceId))
      // Slots are given out in order, one per new key: keeping the array dense keeps V8 from making it a dictionary.
      while (entries.length <= slot) entries.push(undefined)
      if (resource.status === "deleted") {
        if (entries[slot] !== undefined) {
          entries[slot] = undefined
          liveCount--
        }
        tombstones.delete(slot, resource.runId, resource.scenarioName, DateTime.toEpochMillis(observedAt(resource)))
        return
      }
      // A live entry means no deletion was seen: the tombstones are asked only about a resource seen for the first time.
      const entry = entries[slot]
      if (entry !== undefined) observeInPlace(entry, resource)
      else if (!tombstones.isDeleted(slot)) {
        entries[slot] = observe(undefined, kept(resource, undefined))
        liveCount++
      }
    },
    live: function* () {
      for (const entry of entries) if (entry !== undefined) yield stateOf(entry)
    },
    deleted: () => tombstones.values(),
    size: () => liveCount + tombstones.size,
  }
}
