import type { ServiceBusReceivedMessage } from "@azure/service-bus"
import { describe, expect, it } from "vitest"
import { describeEmulatorDispositions } from "./dispositionOutcomes.ts"
import { namespaceConfig, receiveAll, useEmulator } from "./support.ts"

// Regression tests for rhea's disposition ranges (docs/rhea-disposition-ranges.md): settlements made in one event-loop
// turn leave in one frame per run of deliveries, and rhea 3.0.5 put the second delivery of every run into the run
// whatever its outcome. Both ends here speak AMQP through rhea (the SDK's copy and the emulator's), so these are the
// issue's own repros with `@azure/service-bus`.
const queues = ["mixed", "dead-lettering"]
const config = namespaceConfig({
  Queues: queues.map((Name) => ({ Name, Properties: { LockDuration: "PT30S", MaxDeliveryCount: 10 } })),
})

const bodiesOf = (messages: ReadonlyArray<ServiceBusReceivedMessage>) => messages.map((message) => message.body)

describe.concurrent("settlements made in one turn", () => {
  const bus = useEmulator({ config })

  it("keeps each outcome of concurrent settlements on one receiver: complete, abandon, complete", async () => {
    await bus.client.createSender("mixed").sendMessages([{ body: "m1" }, { body: "m2" }, { body: "m3" }])
    const receiver = bus.client.createReceiver("mixed", { maxAutoLockRenewalDurationInMs: 0 })
    const [m1, m2, m3] = await receiveAll(receiver, 3)
    if (m1 === undefined || m2 === undefined || m3 === undefined) throw new Error("expected three messages")
    expect(bodiesOf([m1, m2, m3])).toEqual(["m1", "m2", "m3"])

    await Promise.all([receiver.completeMessage(m1), receiver.abandonMessage(m2), receiver.completeMessage(m3)])

    // The abandoned m2 is active again with one more delivery; m1 and m3 are gone.
    const [again] = await receiveAll(receiver, 1)
    expect(again?.body).toBe("m2")
    expect(again?.deliveryCount).toBe(1)
    if (again !== undefined) await receiver.completeMessage(again)
    expect(await receiver.peekMessages(5)).toEqual([])
  })

  it("keeps each outcome and each reason of concurrent settlements: complete, dead-letter, dead-letter", async () => {
    await bus.client.createSender("dead-lettering").sendMessages([{ body: "m1" }, { body: "m2" }, { body: "m3" }])
    const receiver = bus.client.createReceiver("dead-lettering", { maxAutoLockRenewalDurationInMs: 0 })
    const [m1, m2, m3] = await receiveAll(receiver, 3)
    if (m1 === undefined || m2 === undefined || m3 === undefined) throw new Error("expected three messages")

    await Promise.all([
      receiver.completeMessage(m1),
      receiver.deadLetterMessage(m2, { deadLetterReason: "Bad", deadLetterErrorDescription: "m2 is bad" }),
      receiver.deadLetterMessage(m3, { deadLetterReason: "Worse", deadLetterErrorDescription: "m3 is worse" }),
    ])

    expect(await receiver.peekMessages(5)).toEqual([])
    const deadLetters = await bus.client
      .createReceiver("dead-lettering", { subQueueType: "deadLetter" })
      .peekMessages(5)
    expect(
      deadLetters.map((message) => [message.body, message.deadLetterReason, message.deadLetterErrorDescription]),
    ).toEqual([
      ["m2", "Bad", "m2 is bad"],
      ["m3", "Worse", "m3 is worse"],
    ])
  })
})

describeEmulatorDispositions("outcomes the emulator sends for deliveries settled in one turn")
