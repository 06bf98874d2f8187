import { decodeMessageBody, encodeAgentEvent } from "@haymaker/domain"
import { Result } from "effect"
import { assert, describe, it } from "vitest"
import {
  agentEvent,
  runIdOf,
  sampleRun,
  sampleUnknownEvent,
  seedEventSchemaExamples,
  seedPublishExample,
  toMessageBody,
} from "../src/index.ts"

describe("sample events", () => {
  it("are the seed's three Event Schema examples, decoding into the three resource event types", () => {
    assert.deepStrictEqual(
      seedEventSchemaExamples.map((json) => agentEvent(json)._tag),
      ["ResourceCreated", "ResourceDeleted", "ResourceDeletionFailed"],
    )
    assert.strictEqual(agentEvent(seedPublishExample)._tag, "ResourceCreated")
  })

  it("make up a run in which every event belongs to run-123, the unknown one included", () => {
    assert.deepStrictEqual(
      sampleRun.map((json) => runIdOf(agentEvent(json))),
      sampleRun.map(() => "run-123"),
    )
    assert.strictEqual(agentEvent(sampleUnknownEvent)._tag, "UnknownEvent")
  })

  it.each(["bytes", "text", "object"] as const)("decode the same from a %s body", (form) => {
    for (const json of sampleRun) {
      const decoded = decodeMessageBody(toMessageBody(json, form))
      assert.isTrue(Result.isSuccess(decoded))
      if (Result.isSuccess(decoded)) {
        assert.deepStrictEqual(encodeAgentEvent(decoded.success), encodeAgentEvent(agentEvent(json)))
      }
    }
  })

  it("agentEvent refuses a fixture that is not a valid event, saying why", () => {
    assert.throws(() => agentEvent({ event_type: "resource_deleted", run_id: "r" }), /resource_deleted/)
    assert.throws(() => agentEvent([1, 2]), /not a valid agent event/)
  })
})
