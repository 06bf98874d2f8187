import { describe, expect, it } from "vitest"
import { AmqpPayload } from "../src/amqp/AmqpPayload.ts"
import { messageHelpers } from "../src/amqp/rheaTypes.ts"

/** A message as rhea encodes it (list8/list32 and str8/str32 chosen by size, as every AMQP encoder does). */
const payloadOf = (properties: Record<string, unknown>): AmqpPayload =>
  AmqpPayload.decode(messageHelpers.encode({ message_id: "m-1", ...properties, body: "x" }))

describe("reading the session id (group-id) without decoding the properties", () => {
  const cases: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
    ["no group-id, the list ends before it", { to: "queue" }],
    ["a short group-id", { group_id: "order-7" }],
    ["an empty group-id", { group_id: "" }],
    ["a group-id after long fields (list32)", { to: "t".repeat(300), subject: "s", group_id: "after-long" }],
    ["a long group-id (str32)", { group_id: "g".repeat(300) }],
    ["a group-id followed by more fields", { group_id: "g", group_sequence: 3, reply_to_group_id: "r" }],
    ["a non-ASCII group-id", { group_id: "sessão-✓" }],
    [
      "no message id (the emulator assigns one and re-encodes the properties)",
      { message_id: undefined, group_id: "g" },
    ],
  ]
  for (const [name, properties] of cases) {
    it(name, () => {
      const scanned = payloadOf(properties).sessionId
      // The full decode is the reference.
      const decoded = payloadOf(properties).routing.sessionId
      expect(scanned).toBe(typeof decoded === "string" ? decoded : undefined)
      expect(scanned).toBe(properties.group_id)
    })
  }
})
