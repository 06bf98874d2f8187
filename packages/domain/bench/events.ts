/**
 * Deterministic corpus of realistic message bodies for the bench: JSON strings as the bus delivers them, with 10%
 * invalid ones of every kind the worker dead-letters.
 */

// mulberry32: small, seedable, good enough to vary the corpus reproducibly.
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const types = [
  ["Microsoft.Compute/virtualMachines", "virtualMachines"],
  ["Microsoft.Storage/storageAccounts", "storageAccounts"],
  ["Microsoft.Network/virtualNetworks", "virtualNetworks"],
  ["Microsoft.KeyVault/vaults", "vaults"],
] as const

export interface Corpus {
  readonly bodies: ReadonlyArray<string>
  readonly invalid: number
}

export const makeCorpus = (size: number, seed = 42): Corpus => {
  const random = prng(seed)
  const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(random() * items.length)] as A
  const bodies: Array<string> = []
  let invalid = 0
  for (let i = 0; i < size; i++) {
    const [resourceType, segment] = pick(types)
    const run = `run-${Math.floor(i / 500)}`
    const name = `hm${i % 997}x${Math.floor(random() * 1e6)}`
    const base = {
      resource_id: `/subscriptions/9b2f3c1e-0000-4000-8000-${String(i % 1000).padStart(12, "0")}/resourceGroups/haymaker-${run}/providers/${resourceType.split("/")[0]}/${segment}/${name}`,
      resource_type: resourceType,
      resource_name: name,
      scenario_name: pick(["compute-scenario", "storage-scenario", "network-scenario"]),
      run_id: run,
      timestamp: new Date(Date.UTC(2024, 10, 14, 12, 0, 0) + i * 1000).toISOString(),
    }
    const roll = random()
    let event: unknown
    if (i % 10 === 9) {
      invalid++
      const kind = i % 50
      if (kind < 10) {
        bodies.push(JSON.stringify({ event_type: "resource_created", ...base }).slice(0, 60))
        continue
      }
      if (kind < 20) event = [{ event_type: "resource_created", ...base }]
      else if (kind < 30) {
        const { run_id: _, ...rest } = base
        event = { event_type: "resource_created", ...rest }
      } else if (kind < 40) event = { event_type: "resource_deleted", ...base, resource_name: 42 }
      else event = { event_type: "resource_created", ...base, timestamp: "14/11/2024 12:00" }
    } else if (roll < 0.45) {
      event = { event_type: "resource_created", ...base, tags: { environment: "test", team: "haymaker", run } }
    } else if (roll < 0.65) {
      event = { event_type: "resource_deleted", ...base }
    } else if (roll < 0.75) {
      event = {
        event_type: "resource_deletion_failed",
        ...base,
        deletion_error: "Resource is locked or has active dependencies",
        deletion_attempts: 1 + Math.floor(random() * 5),
      }
    } else {
      event = {
        event_type: pick(["operation", "operation", "agent_started", "cleanup_complete", "error"]),
        timestamp: base.timestamp,
        scenario_name: base.scenario_name,
        run_id: run,
        agent_id: `agent-${i % 17}`,
        message: `step ${i} done`,
        severity: pick(["info", "info", "warning", "error"]),
        details: { step: i, duration_ms: Math.floor(random() * 5000) },
        resource_id: base.resource_id,
      }
    }
    bodies.push(JSON.stringify(event))
  }
  return { bodies, invalid }
}
