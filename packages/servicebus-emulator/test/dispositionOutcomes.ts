import type { ServiceBusReceivedMessage } from "@azure/service-bus"
import { describe, expect, it } from "vitest"
import { amqpFrame, RawAmqpConnection, source, target } from "./rawAmqp.ts"
import { logSignals, namespaceConfig, receiveAll, useEmulator } from "./support.ts"

// The outcomes the emulator itself sends for deliveries settled in one event-loop turn: sends it stored or refused,
// requests it took or refused, and its answers to a client's settlements. rhea 3.0.5 writes the dispositions of one
// turn on a session as ranges and gave the second delivery of a range the first one's outcome
// (docs/rhea-disposition-ranges.md). The suite runs on this repository's patched rhea (settlementOutcomes.test.ts)
// and on the registry's unpatched copy (unpatchedRhea.test.ts), where only the emulator's own guard keeps it right.

const lockSeconds = 1
const config = namespaceConfig({
  Queues: [
    ...["publishing", "alternating"].map((Name) => ({ Name })),
    { Name: "stale-lock", Properties: { LockDuration: `PT${lockSeconds}S`, MaxDeliveryCount: 10 } },
  ],
})

const bodiesOf = (messages: ReadonlyArray<ServiceBusReceivedMessage>) => messages.map((message) => message.body)

/** What a sender was told: "accepted", or the error code. */
const outcomeOf = (result: PromiseSettledResult<unknown>): string =>
  result.status === "fulfilled" ? "accepted" : String((result.reason as { code?: string }).code)

/** An AMQP message whose body is an amqp-value binary of `size` bytes. */
const binaryValue = (size: number): Buffer => {
  const header = Buffer.from([0x00, 0x53, 0x77, 0xb0, 0, 0, 0, 0])
  header.writeUInt32BE(size, 4)
  return Buffer.concat([header, Buffer.alloc(size, 0x61)])
}

export const describeEmulatorDispositions = (title: string): void => {
  describe.concurrent(title, () => {
    // The emulator's debug log says when a lock expired.
    const signals = logSignals()
    const bus = useEmulator({ config, logLevel: "debug", logSink: signals.sink })

    it("tells each of three concurrent senders its own outcome when the middle message is refused", async () => {
      const sender = bus.client.createSender("publishing")
      const results = await Promise.allSettled([
        sender.sendMessages({ body: "first" }),
        sender.sendMessages({ body: Buffer.alloc(300 * 1024) }),
        sender.sendMessages({ body: "third" }),
      ])
      expect(results.map(outcomeOf)).toEqual(["accepted", "MessageSizeExceeded", "accepted"])
      // What the broker stored matches what each sender was told: nothing refused was stored, nothing stored refused.
      const stored = await bus.client.createReceiver("publishing").peekMessages(5)
      expect(bodiesOf(stored)).toEqual(["first", "third"])
    })

    it("tells each sender its own outcome when refused and accepted sends alternate", async () => {
      const sender = bus.client.createSender("alternating")
      const bodies = Array.from({ length: 12 }, (_, i) => (i % 3 === 1 ? Buffer.alloc(300 * 1024, i) : `small-${i}`))
      const results = await Promise.allSettled(bodies.map((body) => sender.sendMessages({ body })))
      expect(results.map(outcomeOf)).toEqual(
        bodies.map((body) => (typeof body === "string" ? "accepted" : "MessageSizeExceeded")),
      )
      const receiver = bus.client.createReceiver("alternating", { receiveMode: "receiveAndDelete" })
      const stored = await receiveAll(receiver, 8)
      expect(bodiesOf(stored).sort()).toEqual(bodies.filter((body) => typeof body === "string").sort())
    })

    it("answers completions made together with their own outcomes when one of them holds a lost lock", async () => {
      const sender = bus.client.createSender("stale-lock")
      const receiver = bus.client.createReceiver("stale-lock", { maxAutoLockRenewalDurationInMs: 0 })
      await sender.sendMessages({ body: "slow" })
      const expired = signals.next("lock expired", { entity: "stale-lock" })
      const [stale] = await receiveAll(receiver, 1)
      await expired
      await sender.sendMessages([{ body: "m2" }, { body: "m3" }])
      // The redelivered "slow" and m2, m3 follow the stale delivery on the link: consecutive delivery ids.
      const fresh = await receiveAll(receiver, 3)
      if (stale === undefined) throw new Error("expected a message")
      expect(bodiesOf(fresh).sort()).toEqual(["m2", "m3", "slow"])

      // The emulator answers all four in one turn: the stale lock's completion fails, the others succeed.
      const results = await Promise.allSettled([stale, ...fresh].map((message) => receiver.completeMessage(message)))
      expect(results.map(outcomeOf)).toEqual(["MessageLockLost", "accepted", "accepted", "accepted"])
      expect(await receiver.peekMessages(5)).toEqual([])
    })

    it("takes or refuses each request of a burst on its own: a put-token over the $cbs limit between two others", async () => {
      // A bare client, so the only rhea in the exchange is the emulator's.
      const connection = await RawAmqpConnection.connect(bus.emulator.port)
      await connection.authenticate()
      await connection.openSession()
      connection.write(
        amqpFrame("attach", {
          name: "cbs-sender",
          handle: 0,
          role: false,
          snd_settle_mode: 0,
          source: source("cbs-sender"),
          target: target("$cbs"),
          initial_delivery_count: 0,
        }),
      )
      await connection.expect("attach")
      await connection.expect("flow")
      // Delivery 0 is 70 KB in two frames (over the 64 KB a put-token may take), 1 and 2 are small, all in one write:
      // the emulator settles 1 and 2, and 0 as soon as its last frame is in, in one turn.
      const oversize = binaryValue(70 * 1024)
      const transfer = (id: number | undefined, payload: Buffer, more = false) =>
        amqpFrame(
          "transfer",
          id === undefined
            ? { handle: 0, more }
            : { handle: 0, delivery_id: id, delivery_tag: Buffer.from([id]), message_format: 0, more },
          0,
          payload,
        )
      connection.write(
        Buffer.concat([
          transfer(0, oversize.subarray(0, 60 * 1024), true),
          transfer(undefined, oversize.subarray(60 * 1024)),
          transfer(1, binaryValue(16)),
          transfer(2, binaryValue(16)),
        ]),
      )
      const outcomes = new Map<number, string>()
      while (outcomes.size < 3) {
        const frame = await connection.expect("disposition")
        const { first, last, state } = frame.performative as unknown as {
          first: number
          last?: number
          state?: { descriptor: { value: number }; value: Array<{ value: Array<{ value: unknown }> }> }
        }
        const outcome =
          state?.descriptor.value === 0x24
            ? "accepted"
            : state?.descriptor.value === 0x25
              ? `rejected: ${String(state.value[0]?.value[0]?.value)}`
              : `state ${String(state?.descriptor.value)}`
        for (let id = first; id <= (last ?? first); id++) outcomes.set(id, outcome)
      }
      expect(Object.fromEntries(outcomes)).toEqual({
        0: "rejected: amqp:link:message-size-exceeded",
        1: "accepted",
        2: "accepted",
      })
      connection.close()
    })
  })
}
