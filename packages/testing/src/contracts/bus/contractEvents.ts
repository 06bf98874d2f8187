import type { AgentEvent, ResourceEventJson } from "@haymaker/domain"
import { agentEvent } from "../../fixtures/agentEvent.ts"

/** The n-th event of a contract run: a VM named `vm<n>` created in the run `runId`. */
export const resourceCreated = (runId: string, n: number): ResourceEventJson<"resource_created"> => ({
  event_type: "resource_created",
  resource_id: `/subscriptions/sub1/resourceGroups/contract/providers/Microsoft.Compute/virtualMachines/vm${n}`,
  resource_type: "Microsoft.Compute/virtualMachines",
  resource_name: `vm${n}`,
  scenario_name: "event-bus-contract",
  run_id: runId,
  timestamp: `2024-11-14T12:00:${String(n % 60).padStart(2, "0")}.000Z`,
  tags: { contract: "event-bus", n: String(n) },
})

/** Events `vm<from>` … `vm<from + count - 1>` of the run. */
export const eventsOf = (runId: string, count: number, from = 1): ReadonlyArray<AgentEvent> =>
  Array.from({ length: count }, (_, i) => agentEvent(resourceCreated(runId, from + i)))

/** The resource name of a contract event (`vm<n>`), or its tag for an event without one. */
export const nameOfEvent = (event: AgentEvent): string => ("resourceName" in event ? event.resourceName : event._tag)
