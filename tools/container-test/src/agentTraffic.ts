import type { ServiceBusMessage } from "@azure/service-bus"

/** Dead-letter reasons the worker gives the poison messages below (the domain's decode errors). */
export type PoisonKind = "InvalidJson" | "NotAnObject" | "SchemaViolation" | "BodyTooLarge"
export const POISON_KINDS: ReadonlyArray<PoisonKind> = ["InvalidJson", "NotAnObject", "SchemaViolation", "BodyTooLarge"]

/** The workers of these tests refuse bodies above this many bytes (`HAYMAKER_MAX_BODY_BYTES`); events are ~400. */
export const MAX_BODY_BYTES = 4_096

export const validId = (n: number) => `ct-${n}`
export const poisonId = (kind: PoisonKind, n: number) => `poison-${kind}-${n}`

const resourceTypes = ["Microsoft.Compute/virtualMachines", "Microsoft.Storage/storageAccounts", "Microsoft.Web/sites"]

/**
 * Agent event `n` of a run of agents: resource creations and deletions, operations and errors, each with its own
 * message id (`ct-<n>`), so both sinks can be searched for every one. Only known event types: each has a row in Log
 * Analytics and a line in the archive.
 */
export const agentEvent = (n: number): ServiceBusMessage => {
  const run = `run-${Math.floor(n / 1_000)}`
  const base = {
    run_id: run,
    scenario_name: `scenario-${n % 7}`,
    timestamp: new Date(Date.UTC(2026, 11, 1) + n * 1_000).toISOString(),
  }
  const type = resourceTypes[n % resourceTypes.length] ?? "Microsoft.Web/sites"
  const name = `res${n}`
  const resource = {
    resource_id: `/subscriptions/sub-ct/resourceGroups/rg-${run}/providers/${type}/${name}`,
    resource_type: type,
    resource_name: name,
  }
  const body =
    n % 4 === 0
      ? { event_type: "resource_created", ...base, ...resource, tags: { test: "container" } }
      : n % 4 === 1
        ? { event_type: "resource_deleted", ...base, ...resource }
        : n % 4 === 2
          ? {
              event_type: "operation",
              ...base,
              agent_id: `agent-${n % 13}`,
              message: `step ${n}`,
              severity: "info",
              details: { n },
            }
          : {
              event_type: "error",
              ...base,
              agent_id: `agent-${n % 13}`,
              message: `failure ${n}`,
              severity: "error",
              details: {},
            }
  return { messageId: validId(n), body, contentType: "application/json" }
}

/** Poison message `n` of a kind: what a broken agent sends. Each is dead-lettered with its kind as the reason. */
export const poisonMessage = (kind: PoisonKind, n: number): ServiceBusMessage => {
  const messageId = poisonId(kind, n)
  switch (kind) {
    case "InvalidJson":
      return {
        messageId,
        body: Buffer.from(`{"event_type": "resource_created", "run_id": ${n}`),
        contentType: "application/json",
      }
    case "NotAnObject":
      return {
        messageId,
        body: Buffer.from(JSON.stringify([n, "not", "an", "object"])),
        contentType: "application/json",
      }
    case "SchemaViolation":
      return {
        messageId,
        body: { event_type: "resource_created", run_id: `run-poison-${n}` },
        contentType: "application/json",
      }
    case "BodyTooLarge":
      return {
        messageId,
        body: { event_type: "operation", run_id: `run-poison-${n}`, message: "x".repeat(MAX_BODY_BYTES * 2) },
        contentType: "application/json",
      }
  }
}

/** Every message of a run, valid events and poison interleaved (poison spread evenly), in publishing order. */
export const traffic = (events: number, poisonPerKind: number): Array<ServiceBusMessage> => {
  const messages = Array.from({ length: events }, (_, n) => agentEvent(n))
  const poison = POISON_KINDS.flatMap((kind) => Array.from({ length: poisonPerKind }, (_, n) => poisonMessage(kind, n)))
  const every = Math.max(1, Math.floor(events / (poison.length + 1)))
  poison.forEach((message, i) => {
    messages.splice(Math.min(messages.length, (i + 1) * every + i), 0, message)
  })
  return messages
}
