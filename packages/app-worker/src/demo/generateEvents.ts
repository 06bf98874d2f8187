import type { JsonObject } from "@haymaker/domain"

const resourceTypes = [
  ["Microsoft.Compute/virtualMachines", "vm"],
  ["Microsoft.Storage/storageAccounts", "st"],
  ["Microsoft.Network/virtualNetworks", "vnet"],
  ["Microsoft.KeyVault/vaults", "kv"],
  ["Microsoft.Web/sites", "app"],
] as const

/**
 * A deterministic burst of agent traffic shaped like real runs: each run starts an agent, creates resources, logs
 * operations, deletes most resources again, fails to delete a few (left behind: leaks) and reports cleanup. Every
 * event is distinct (its own timestamp), so derived message ids are unique. Runs are numbered from `firstRun`, so
 * successive calls can make one long history.
 */
export const generateRunEvents = (count: number, runs = 5, start = Date.UTC(2026, 10, 26, 8, 0, 0), firstRun = 1) => {
  const events: Array<JsonObject> = []
  let clock = start
  const at = () => {
    clock += 1_000
    return new Date(clock).toISOString()
  }
  const perRun = Math.max(1, Math.ceil(count / runs))
  for (let run = firstRun; run < firstRun + runs && events.length < count; run++) {
    const runId = `run-demo-${run}`
    const scenarioName = `scenario-${((run - 1) % 3) + 1}`
    const agentId = `agent-${run}`
    const base = { scenario_name: scenarioName, run_id: runId }
    events.push({
      event_type: "agent_started",
      ...base,
      agent_id: agentId,
      timestamp: at(),
      message: "agent started",
      severity: "info",
      details: {},
    })
    const created: Array<{ id: string; type: string; name: string }> = []
    for (let i = 0; events.length < Math.min(count, (run - firstRun + 1) * perRun); i++) {
      const [type, short] = resourceTypes[i % resourceTypes.length] ?? resourceTypes[0]
      const name = `${short}${run}x${i}`
      const id = `/subscriptions/sub-demo/resourceGroups/rg-${runId}/providers/${type}/${name}`
      const step = i % 4
      if (step === 0 || created.length === 0) {
        created.push({ id, type, name })
        events.push({
          event_type: "resource_created",
          ...base,
          resource_id: id,
          resource_type: type,
          resource_name: name,
          timestamp: at(),
          tags: { env: "demo", run: runId },
        })
      } else if (step === 1) {
        events.push({
          event_type: "operation",
          ...base,
          agent_id: agentId,
          timestamp: at(),
          message: `configured ${created[created.length - 1]?.name}`,
          severity: "info",
          details: { step: i },
        })
      } else {
        const target = created.shift()
        if (target === undefined) continue
        // Every seventh deletion fails: those resources are the run's leaks.
        events.push(
          i % 7 === 3
            ? {
                event_type: "resource_deletion_failed",
                ...base,
                resource_id: target.id,
                resource_type: target.type,
                resource_name: target.name,
                timestamp: at(),
                deletion_error: "Resource is locked or has active dependencies",
                deletion_attempts: 3,
              }
            : {
                event_type: "resource_deleted",
                ...base,
                resource_id: target.id,
                resource_type: target.type,
                resource_name: target.name,
                timestamp: at(),
              },
        )
      }
    }
    if (events.length < count) {
      events.push({
        event_type: "cleanup_complete",
        ...base,
        agent_id: agentId,
        timestamp: at(),
        message: "cleanup complete",
        severity: "info",
        details: { remaining: created.length },
      })
    }
  }
  return events.slice(0, count)
}

const utf8 = (text: string) => Buffer.from(text, "utf8")

/**
 * Bodies a broken agent might send, as a Python agent sends them (raw UTF-8 bytes in a data section), each with the
 * dead-letter reason the worker must give it.
 */
export const invalidBodies: ReadonlyArray<{ readonly body: Uint8Array; readonly expectedReason: string }> = [
  { body: utf8('{"event_type": "resource_created", "resource_id": '), expectedReason: "InvalidJson" },
  { body: utf8("not json at all"), expectedReason: "InvalidJson" },
  { body: utf8("[1, 2, 3]"), expectedReason: "NotAnObject" },
  {
    body: utf8(
      JSON.stringify({
        event_type: "resource_created",
        resource_id: "/subscriptions/sub-demo/x",
        resource_type: "T",
        scenario_name: "s",
        run_id: "run-demo-broken",
      }),
    ),
    expectedReason: "SchemaViolation",
  },
  {
    body: utf8(
      JSON.stringify({
        event_type: "resource_deletion_failed",
        resource_id: "/subscriptions/sub-demo/y",
        resource_type: "T",
        resource_name: "y",
        scenario_name: "s",
        run_id: "run-demo-broken",
        deletion_attempts: "three",
      }),
    ),
    expectedReason: "SchemaViolation",
  },
]
