/**
 * One resource's history: every archived event that names it (its lifecycle events, and agent log events that carry
 * its id), once per message, in time order, with the state the ledger gives it.
 */
import { Option } from "effect"
import type { JsonObject } from "../JsonObject.ts"
import type { ArchiveEntry } from "../ports/ArchiveReader.ts"
import type { Resource } from "../Resource.ts"
import * as ResourceLedger from "../ResourceLedger.ts"

export interface HistoryEvent {
  /** Event time, epoch milliseconds. */
  readonly at: number
  readonly eventType: string | undefined
  readonly messageId: string | undefined
  /** Where the archive holds it. */
  readonly location: string
  /** The Resource of a lifecycle event; `undefined` for a log event about the resource. */
  readonly resource: Resource | undefined
  readonly event: JsonObject
}

export interface ResourceHistory {
  readonly resourceId: string
  /** The current state, from every lifecycle event; `undefined` when the archive holds none. */
  readonly state: Resource | undefined
  readonly events: ReadonlyArray<HistoryEvent>
}

export interface ResourceHistoryBuilder {
  readonly add: (entry: ArchiveEntry) => void
  readonly result: () => ResourceHistory
}

/** Collects the history of `resourceId` (compared case-insensitively, as Azure ids are). */
export const makeBuilder = (resourceId: string): ResourceHistoryBuilder => {
  const key = resourceId.toLowerCase()
  // Keyed by the message's identity: a message archived twice (redelivered) is one event of the history.
  const events = new Map<string, HistoryEvent>()
  let ledger = ResourceLedger.empty

  const add = (entry: ArchiveEntry) => {
    if (entry._tag === "UnreadableLine") return
    const named = entry.resource?.resourceId ?? entry.event.resource_id
    if (typeof named !== "string" || named.toLowerCase() !== key) return
    const id = entry.sequenceNumber ?? entry.messageId ?? entry.location
    if (events.has(id)) return
    events.set(id, {
      at: entry.eventTime,
      eventType: entry.eventType,
      messageId: entry.messageId,
      location: entry.location,
      resource: entry.resource,
      event: entry.event,
    })
    if (entry.resource !== undefined) ledger = ResourceLedger.apply(ledger, entry.resource)
  }

  const result = (): ResourceHistory => ({
    resourceId,
    state: Option.getOrUndefined(ResourceLedger.get(ledger, resourceId)),
    events: [...events.values()].sort(
      (a, b) => a.at - b.at || (a.location < b.location ? -1 : a.location > b.location ? 1 : 0),
    ),
  })

  return { add, result }
}
