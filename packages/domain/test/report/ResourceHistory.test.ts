import { describe, expect, it } from "@effect/vitest"
import { ResourceHistory } from "../../src/index.ts"
import { archived, resourceEvent } from "./fixtures.ts"

const t = (minute: number) => new Date(Date.UTC(2024, 10, 14, 12, minute)).toISOString()

describe("ResourceHistory", () => {
  const created = archived(resourceEvent("resource_created", "run-a", "vm1", t(0)), "m-created")
  const failed = archived(
    resourceEvent("resource_deletion_failed", "run-a", "vm1", t(5), { deletion_attempts: 2, deletion_error: "locked" }),
    "m-failed",
  )
  const log = archived(
    {
      event_type: "error",
      timestamp: t(4),
      scenario_name: "scenario-run-a",
      run_id: "run-a",
      agent_id: "agent-1",
      message: "delete failed: locked",
      severity: "error",
      details: {},
      resource_id: created.resource?.resourceId.toUpperCase(),
    },
    "m-log",
  )
  const other = archived(resourceEvent("resource_created", "run-a", "vm2", t(1)), "m-other")

  it("lists every event naming the resource once, in time order, with the ledger's state", () => {
    const builder = ResourceHistory.makeBuilder(created.resource?.resourceId ?? "")
    // Out of order, with a redelivered copy of one message and an event of another resource.
    for (const entry of [failed, other, log, created, { ...failed, location: "events/later.jsonl:3" }]) {
      builder.add(entry)
    }
    const history = builder.result()
    expect(history.events.map((e) => [e.messageId, e.eventType])).toEqual([
      ["m-created", "resource_created"],
      ["m-log", "error"],
      ["m-failed", "resource_deletion_failed"],
    ])
    expect(history.state?.status).toBe("deletion_failed")
    expect(history.state?.deletionAttempts).toBe(2)
    expect(history.state?.deletionError).toBe("locked")
  })

  it("keeps distinct events that share a message id (their sequence numbers differ)", () => {
    const builder = ResourceHistory.makeBuilder(created.resource?.resourceId ?? "")
    builder.add(created)
    builder.add({ ...failed, messageId: "m-created" })
    expect(builder.result().events.map((e) => [e.messageId, e.eventType])).toEqual([
      ["m-created", "resource_created"],
      ["m-created", "resource_deletion_failed"],
    ])
  })

  it("has no state for a resource the archive does not know", () => {
    const builder = ResourceHistory.makeBuilder("/subscriptions/none")
    builder.add(created)
    expect(builder.result()).toEqual({ resourceId: "/subscriptions/none", state: undefined, events: [] })
  })
})
