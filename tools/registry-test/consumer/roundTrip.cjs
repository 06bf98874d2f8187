// CommonJS consumer: require() of the ES module package (Node >= 20.19), then the same round trip.
const { closeAll, parseResourceEvents, publishEvent, subscribeToAgentLogs } = require("@haymaker/adapters-servicebus")

const main = async () => {
  const connectionString = process.env.SERVICEBUS_CONNECTION_STRING
  const runId = `cjs-${process.version}-${Date.now()}`
  await publishEvent(connectionString, "agent-logs", {
    event_type: "resource_created",
    resource_id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/cjs",
    resource_type: "Microsoft.Storage/storageAccounts",
    resource_name: "cjs",
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
}

main()
