import rhea from "rhea"
import { describe, expect, it } from "vitest"
import { defaultSharedAccessKey, defaultSharedAccessKeyName, startEmulator } from "../src/index.ts"
import { RequestClient } from "./requestClient.ts"
import { failure, namespaceConfig, useEmulator } from "./support.ts"

const config = namespaceConfig({
  Queues: [{ Name: "jobs" }, { Name: "sessions", Properties: { RequiresSession: true } }],
})

interface AmqpError {
  readonly condition?: string
  readonly description?: string
}

const types = rhea.types as unknown as {
  described(descriptor: unknown, value: unknown): unknown
  wrap_ulong(value: number): unknown
  wrap_list(value: ReadonlyArray<unknown>): unknown
}

/** A plain rhea client (SASL PLAIN grants the namespace): for what no Service Bus SDK for Node sends. */
const rawClient = (port: number): Promise<RequestClient> =>
  RequestClient.connect(port, { keyName: defaultSharedAccessKeyName, key: defaultSharedAccessKey })

describe("honest answers for what the emulator does not support", () => {
  const bus = useEmulator({ config })

  it("refuses the transfer dead-letter queue with amqp:not-implemented naming it", async () => {
    const receiver = bus.client.createReceiver("jobs", { subQueueType: "transferDeadLetter" })
    const receive = await failure(receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 }))
    expect(receive.message).toContain("NotImplementedError")
    expect(receive.message).toContain("The transfer dead-letter queue ('jobs/$Transfer/$DeadLetterQueue')")
    const peek = await failure(receiver.peekMessages(1))
    expect(peek.message).toContain("transfer dead-letter queue")
  })

  it("refuses a transaction coordinator link with amqp:not-implemented naming transactions", async () => {
    const client = await rawClient(bus.emulator.port)
    const sender = client.connection.attach_sender({ target: {} })
    // A coordinator target (amqp:coordinator:list, 0x30), as .NET and Java clients attach for transactions.
    ;(sender as unknown as { local: { attach: { target: unknown } } }).local.attach.target = types.described(
      types.wrap_ulong(0x30),
      types.wrap_list([]),
    )
    const error = await new Promise<AmqpError>((resolve) =>
      sender.once("sender_close", (context) => resolve((context.sender?.error ?? {}) as AmqpError)),
    )
    expect(error.condition).toBe("amqp:not-implemented")
    expect(error.description).toContain("Transactions")
    await client.close()
  })

  it("answers management operations it does not implement with amqp:not-implemented naming the feature", async () => {
    const client = await rawClient(bus.emulator.port)
    const management = await client.link("sessions/$management")
    const reply = await management.request({
      application_properties: { operation: "com.microsoft:get-message-sessions" },
      body: { skip: 0, top: 10 },
    })
    expect(reply.status).toBe(501)
    expect(reply.properties).toMatchObject({ errorCondition: "amqp:not-implemented" })
    expect(reply.description).toBe(
      "Listing message sessions ('com.microsoft:get-message-sessions') is not supported by the emulator.",
    )
    await client.close()
  })
})

describe("config fields accepted only for compatibility", () => {
  it("are reported at start-up as warnings naming the field and why nothing happens", async () => {
    const lines: Array<Readonly<Record<string, unknown>>> = []
    const emulator = await startEmulator({
      config: {
        UserConfig: {
          Namespaces: [
            {
              Name: "sbemulatorns",
              Queues: [{ Name: "plain" }, { Name: "capped", Properties: { MaxSizeInMegabytes: 2048 } }],
              Topics: [{ Name: "events", Properties: { MaxSizeInMegabytes: 1024 } }],
            },
          ],
          Logging: { Type: "File,Console" },
        },
      },
      logLevel: "warn",
      logSink: (line) => lines.push(JSON.parse(line)),
    })
    await emulator.close()
    const warnings = lines.filter((line) => line.msg === "config field has no effect").map((line) => line.path)
    expect(warnings).toEqual([
      "$.UserConfig.Namespaces[0].Queues[1].Properties.MaxSizeInMegabytes",
      "$.UserConfig.Namespaces[0].Topics[0].Properties.MaxSizeInMegabytes",
      "$.UserConfig.Logging.Type",
    ])
    expect(emulator.config.warnings[2]?.message).toContain("writes no log file")
  })

  it("nothing is reported for a config that uses only what the emulator acts on", async () => {
    const emulator = await startEmulator({ config })
    await emulator.close()
    expect(emulator.config.warnings).toEqual([])
  })
})
