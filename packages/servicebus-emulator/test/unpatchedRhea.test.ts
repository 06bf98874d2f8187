// First, before anything loads rhea: this file runs the emulator on rhea as the registry ships it. A side-effect
// import keeps its place when imports are sorted.
import "./loadUnpatchedRhea.ts"

import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { describeEmulatorDispositions } from "./dispositionOutcomes.ts"
import { emulatorRhea, unpatchedSessions } from "./loadUnpatchedRhea.ts"
import { namespaceConfig, receiveAll, useEmulator } from "./support.ts"

// `npx @haymaker/servicebus-emulator` installs the registry's rhea 3.0.5, which sends the dispositions of one turn
// with the wrong outcomes (docs/rhea-disposition-ranges.md). This file proves the emulator answers each delivery with
// its own outcome there anyway.

describe("rhea without this repository's patch", () => {
  const bus = useEmulator({ config: namespaceConfig({ Queues: [{ Name: "raw-sdk" }] }) })

  it("is what this file runs: the SDK, on the same copy, completes a message dead-lettered next to a completion", async () => {
    expect(unpatchedSessions).toContain(join(emulatorRhea, "..", "session.js"))
    await bus.client.createSender("raw-sdk").sendMessages([{ body: "m1" }, { body: "m2" }])
    const receiver = bus.client.createReceiver("raw-sdk")
    const [m1, m2] = await receiveAll(receiver, 2)
    if (m1 === undefined || m2 === undefined) throw new Error("expected two messages")
    await Promise.all([
      receiver.completeMessage(m1),
      receiver.deadLetterMessage(m2, { deadLetterReason: "Bad", deadLetterErrorDescription: "m2 is bad" }),
    ])
    // m2 should be in the dead-letter queue, but the client's rhea sent its dead-letter as a completion.
    expect(await bus.client.createReceiver("raw-sdk", { subQueueType: "deadLetter" }).peekMessages(5)).toEqual([])
    expect(await receiver.peekMessages(5)).toEqual([])
  })
})

describeEmulatorDispositions("on an unpatched rhea, the outcomes the emulator sends for deliveries settled in one turn")
