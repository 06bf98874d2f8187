import { describe, expect, it } from "vitest"
import { AmqpPayload } from "../../src/amqp/AmqpPayload.ts"
import { messageHelpers, types } from "../../src/amqp/rheaTypes.ts"
import { type PropertyEdits, SqlOpaque, type SqlValue, type SystemProperty } from "../../src/sql/index.ts"

const edits = (
  user: Record<string, SqlValue | undefined>,
  system: Partial<Record<SystemProperty, string | null>> = {},
): PropertyEdits => ({
  user: new Map(Object.entries(user)),
  system: new Map(Object.entries(system)) as PropertyEdits["system"],
})

/** The copy as a receiver decodes it. */
const decoded = (payload: AmqpPayload) => messageHelpers.decode(payload.bare)

describe("the copy a rule action makes", () => {
  const original = AmqpPayload.decode(
    messageHelpers.encode({
      message_id: "m1",
      subject: "resource_created",
      correlation_id: "c1",
      application_properties: { keep: "k", count: types.wrap_int(7), ratio: 0.5, drop: true },
      body: "the body",
    }),
  )

  it("rewrites the properties sections only; the body and the original stay as they were", () => {
    const copy = original.withEdits(
      edits(
        {
          count: 14n,
          drop: undefined,
          added: "new",
          trace: new SqlOpaque("uuid", "00112233-4455-6677-8899-aabbccddeeff"),
        },
        { To: "Entity", CorrelationId: null },
      ),
    )
    const message = decoded(copy)
    expect(message).toMatchObject({ message_id: "m1", subject: "resource_created", to: "Entity", body: "the body" })
    expect(message.correlation_id).toBeUndefined()
    expect(message.application_properties).toEqual({
      keep: "k",
      count: 14,
      ratio: 0.5,
      added: "new",
      trace: Buffer.from("00112233445566778899aabbccddeeff", "hex"),
    })
    // The AMQP types: count stays an int, the new integer is a long.
    expect(copy.sql.entries.map(({ key, value }) => [key, value.type.name])).toEqual([
      ["keep", "Str8"],
      ["count", "Int"],
      ["ratio", "Double"],
      ["added", "Str8"],
      ["trace", "Uuid"],
    ])
    expect(copy.routing.to).toBe("Entity")
    expect(copy.sizeInBytes).toBe(original.sizeInBytes - original.bare.length + copy.bare.length)
    expect(decoded(original)).toMatchObject({ correlation_id: "c1", application_properties: { drop: true } })
    expect(decoded(original).to).toBeUndefined()
  })

  it("adds application properties to a message that had none, and leaves them out when none are edited", () => {
    const bare = AmqpPayload.decode(messageHelpers.encode({ message_id: "m2", body: "x" }))
    expect(decoded(bare.withEdits(edits({ RuleName: "r", n: 1n }))).application_properties).toEqual({
      RuleName: "r",
      n: 1,
    })
    const systemOnly = bare.withEdits(edits({}, { Label: "routed" }))
    expect(decoded(systemOnly)).toMatchObject({ message_id: "m2", subject: "routed", body: "x" })
    expect(decoded(systemOnly).application_properties).toBeUndefined()
  })
})
