import type { ServiceBusMessage } from "@azure/service-bus"
import { renderMessageId, toServiceBusMessage } from "@haymaker/adapters-servicebus"
import { knownEventTypes } from "@haymaker/domain"
import { sampleAgentLogEvents } from "@haymaker/domain/fixtures"
import { generateRunEvents } from "../../../src/demo/generateEvents.ts"
import type { OutgoingMessage, Sent } from "./Cell.ts"

/** The event types that become a Log Analytics row (the others are archived only). */
const rowTypes: ReadonlySet<string> = new Set(knownEventTypes)

const operation = sampleAgentLogEvents.find((event) => event.event_type === "operation") ?? {}

/** Generated agent runs (resource and log events), each marked with a `_probe` unique to the cell and message. */
export const validEvents = (cell: string, count: number): Array<Sent> =>
  generateRunEvents(count).map((event, i) => {
    const probe = `${cell}/${i}`
    const message = toServiceBusMessage({ ...event, _probe: probe })
    return {
      message,
      messageId: String(message.messageId),
      probe,
      expect: { _tag: "Lands", row: rowTypes.has(String(event.event_type)) },
    }
  })

/** Operation events whose `message` starts with "refuse": the Logs Ingestion server is told to refuse calls with them. */
export const refusedEvents = (cell: string, count: number): Array<Sent> =>
  Array.from({ length: count }, (_, i) => {
    const probe = `${cell}/refused/${i}`
    const message = toServiceBusMessage({ ...operation, message: `refuse ${i}`, details: { i }, _probe: probe })
    return { message, messageId: String(message.messageId), probe, expect: { _tag: "Refused", reason: "SinkRejected" } }
  })

const bad = (messageId: string, message: OutgoingMessage, reason: string): Sent => ({
  message,
  messageId,
  probe: undefined,
  expect: { _tag: "DeadLettered", reason },
})

const amqp = (messageId: string, bodyType: "value" | "sequence", body: unknown): OutgoingMessage => ({
  body,
  bodyType,
  properties: { messageId },
})

/**
 * One of each poison body, every one of them a valid event but for its form: nested 5,000 levels deep, 600 KB, bytes
 * that are not UTF-8, an AMQP sequence section, an AMQP value holding bytes and a timestamp; and two AMQP value bodies
 * that are plain JSON (a string, a map), which must land like data sections.
 */
export const poisonBodies = (cell: string): Array<Sent> => {
  const valid = JSON.stringify({ ...operation, details: { x: "@" } })
  const mapProbe = `${cell}/value-map`
  const textProbe = `${cell}/value-text`
  return [
    bad(
      `${cell}-deep`,
      {
        body: Buffer.from(valid.replace('"@"', `${"[".repeat(5_000)}${"]".repeat(5_000)}`)),
        messageId: `${cell}-deep`,
      },
      "BodyTooDeep",
    ),
    bad(
      `${cell}-large`,
      { body: Buffer.from(valid.replace('"@"', JSON.stringify("x".repeat(600_000)))), messageId: `${cell}-large` },
      "BodyTooLarge",
    ),
    bad(`${cell}-latin1`, { body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), messageId: `${cell}-latin1` }, "InvalidJson"),
    bad(`${cell}-sequence`, amqp(`${cell}-sequence`, "sequence", [[operation]]), "UnsupportedBody"),
    bad(
      `${cell}-value-bytes`,
      amqp(`${cell}-value-bytes`, "value", { ...operation, details: { blob: Buffer.from([1, 2]), at: new Date(0) } }),
      "UnsupportedBody",
    ),
    {
      message: amqp(`${cell}-value-map`, "value", { ...operation, _probe: mapProbe }),
      messageId: `${cell}-value-map`,
      probe: mapProbe,
      expect: { _tag: "Lands", row: true },
    },
    {
      message: amqp(`${cell}-value-text`, "value", JSON.stringify({ ...operation, _probe: textProbe })),
      messageId: `${cell}-value-text`,
      probe: textProbe,
      expect: { _tag: "Lands", row: true },
    },
  ]
}

/**
 * Ids that are not unique keys: 100 pairs of different events under one string id, 40 binary ids (16 bytes each: the
 * SDK sends them as UUIDs) that decode to the same text as UTF-8, and 20 numeric ids.
 */
export const awkwardIds = (cell: string): Array<Sent> => {
  const event = (probe: string): ServiceBusMessage => toServiceBusMessage({ ...operation, _probe: probe })
  const sent: Array<Sent> = []
  for (let pair = 0; pair < 100; pair++) {
    for (const side of ["a", "b"]) {
      const probe = `${cell}/pair-${pair}-${side}`
      sent.push({
        message: { ...event(probe), messageId: `${cell}-shared-${pair}` },
        messageId: `${cell}-shared-${pair}`,
        probe,
        expect: { _tag: "Lands", row: true },
      })
    }
  }
  for (let i = 0; i < 40; i++) {
    // Bytes 0x80 and up are not UTF-8 on their own: String() turned all forty into the same text.
    const id = Buffer.alloc(16, 0xff)
    id[15] = 0x80 + i
    const probe = `${cell}/binary-${i}`
    sent.push({
      message: { ...event(probe), messageId: id as unknown as string },
      messageId: renderMessageId(id),
      probe,
      expect: { _tag: "Lands", row: true },
    })
  }
  for (let i = 0; i < 20; i++) {
    const probe = `${cell}/numeric-${i}`
    sent.push({
      message: { ...event(probe), messageId: (9_000_000 + i) as unknown as string },
      messageId: String(9_000_000 + i),
      probe,
      expect: { _tag: "Lands", row: true },
    })
  }
  return sent
}
