// ESM consumer: publish one event and receive it back through the promise API of the installed package.
import { closeAll, parseResourceEvents, publishEvent, subscribeToAgentLogs } from "@haymaker/adapters-servicebus"

const connectionString = process.env.SERVICEBUS_CONNECTION_STRING
const runId = `esm-${process.version}-${Date.now()}`
await publishEvent(connectionString, "agent-logs", {
  event_type: "resource_created",
  resource_id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/esm",
  resource_type: "Microsoft.Storage/storageAccounts",
  resource_name: "esm",
  scenario_name: "storage",
  run_id: runId,
  timestamp: new Date().toISOString(),
})
const received = []
await subscribeToAgentLogs(connectionString, "agent-logs", "orchestrator-sub", (event) => received.push(event), {
  maxWaitTime: 3,
})
await closeAll()
const resources = parseResourceEvents(received.filter((event) => event.run_id === runId))
console.log(JSON.stringify({ runId, resources: resources.map((resource) => resource.resourceName) }))
