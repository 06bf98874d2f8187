import { DateTime } from "effect"
import type { ArchivedEvent, JsonObject } from "../../src/index.ts"
import { parseResourceEvents } from "../../src/index.ts"

let line = 0

/** An archive entry as a reader produces it, for an event as agents publish it. */
export const archived = (event: JsonObject, messageId = `m-${++line}`): ArchivedEvent => {
  const [resource] = parseResourceEvents([event], { now: () => DateTime.makeUnsafe(0) })
  const timestamp = typeof event.timestamp === "string" ? Date.parse(event.timestamp) : 0
  return {
    _tag: "ArchivedEvent",
    location: `events/test.jsonl:${line}`,
    messageId,
    sequenceNumber: messageId,
    eventTime: timestamp,
    eventType: typeof event.event_type === "string" ? event.event_type : undefined,
    event,
    resource,
  }
}

/** A resource event of `run`, for resource `name` (one resource group per run). */
export const resourceEvent = (
  eventType: "resource_created" | "resource_deleted" | "resource_deletion_failed",
  run: string,
  name: string,
  timestamp: string,
  extra: JsonObject = {},
): JsonObject => ({
  event_type: eventType,
  resource_id: `/subscriptions/sub1/resourceGroups/rg-${run}/providers/Microsoft.Compute/virtualMachines/${name}`,
  resource_type: "Microsoft.Compute/virtualMachines",
  resource_name: name,
  scenario_name: `scenario-${run}`,
  run_id: run,
  timestamp,
  ...extra,
})
