import { seedResourceCreated } from "@haymaker/domain/fixtures"
import Long from "long"
import { describe, expect, it } from "vitest"
import { bigintOfLong, deriveMessageId, toServiceBusMessage } from "../src/MessageEncoding.ts"
import { renderMessageId } from "../src/MessageId.ts"
import { expectMarkedAs } from "./support/testBus.ts"

// The seed's Resource Created Event.
const event = seedResourceCreated

describe("toServiceBusMessage", () => {
  it("sends the event as UTF-8 JSON bytes marked application/json, with filterable properties", () => {
    const message = toServiceBusMessage(event)
    expect(Buffer.isBuffer(message.body)).toBe(true)
    expect(JSON.parse((message.body as Buffer).toString("utf8"))).toEqual(event)
    expectMarkedAs(message, event)
    expect(message.messageId).toBe(deriveMessageId(event))
  })

  it("keeps a caller's message id and extra properties", () => {
    const message = toServiceBusMessage(event, { messageId: "mine", applicationProperties: { agent_id: "a1" } })
    expect(message.messageId).toBe("mine")
    expect(message.applicationProperties).toMatchObject({ agent_id: "a1", event_type: "resource_created" })
  })

  it("publishes an event without a type under the type unknown", () => {
    const message = toServiceBusMessage({ hello: "world" })
    expect(message.subject).toBe("unknown")
    expect(message.applicationProperties).toEqual({ event_type: "unknown" })
  })
})

describe("deriveMessageId", () => {
  it("is the same for the same event, and differs when the content differs", () => {
    expect(deriveMessageId({ ...event })).toBe(deriveMessageId(event))
    expect(deriveMessageId({ ...event, run_id: "run-124" })).not.toBe(deriveMessageId(event))
    expect(deriveMessageId(event)).toMatch(/^[0-9a-f]{32}$/)
  })
})

describe("bigintOfLong", () => {
  it("converts every range of a signed 64-bit Long exactly", () => {
    for (const text of [
      "0",
      "1",
      "4294967295",
      "4294967296",
      "123456789012345",
      "9223372036854775807",
      "-1",
      "-9223372036854775808",
    ]) {
      expect(bigintOfLong(Long.fromString(text))).toBe(BigInt(text))
    }
  })
})

describe("renderMessageId (issue 10 §5: non-string ids rendered losslessly)", () => {
  it("keeps strings, writes numbers in decimal, UUIDs canonically and other bytes in hex", () => {
    expect(renderMessageId("abc")).toBe("abc")
    expect(renderMessageId(42)).toBe("42")
    expect(renderMessageId(Long.fromString("18446744073709551615", true))).toBe("18446744073709551615")
    expect(renderMessageId(Buffer.from("0f8fad5bd9cb469fa16570867728950e", "hex"))).toBe(
      "0f8fad5b-d9cb-469f-a165-70867728950e",
    )
    expect(renderMessageId(Buffer.from([0xff, 0xfe, 0x00]))).toBe("fffe00")
    expect(renderMessageId(undefined)).toBe("")
  })

  it("gives distinct binary ids distinct text, where UTF-8 decoding merged them", () => {
    // Forty ids that differ only in bytes that are not UTF-8: String() made twenty of them.
    const ids = Array.from({ length: 40 }, (_, i) => Buffer.from([0x80 + (i % 20), i < 20 ? 0xff : 0xfe]))
    expect(new Set(ids.map(String)).size).toBeLessThan(40)
    expect(new Set(ids.map(renderMessageId)).size).toBe(40)
  })
})
