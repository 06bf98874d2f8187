import rhea, { type Connection } from "rhea"
import { describe, expect, it } from "vitest"
import { defaultSharedAccessKey, defaultSharedAccessKeyName, startEmulator } from "../src/index.ts"
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

/** A plain rhea connection (SASL PLAIN grants the namespace): for what no Service Bus SDK for Node can send. */
const rawConnection = (port: number): Promise<Connection> =>
  new Promise((resolve, reject) => {
    const connection = rhea.create_container().connect({
      host: "127.0.0.1",
      port,
      username: defaultSharedAccessKeyName,
      password: defaultSharedAccessKey,
      reconnect: false,
    })
    connection.once("connection_open", () => resolve(connection))
    connection.once("connection_error", (context) => reject(context.connection.error))
  })

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
    const connection = await rawConnection(bus.emulator.port)
    const sender = connection.attach_sender({ target: {} })
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
    connection.close()
  })

  it("answers management operations it does not implement with amqp:not-implemented naming the feature", async () => {
    const connection = await rawConnection(bus.emulator.port)
    const replyTo = "reply-1"
    // Responses go to the receiver link named in reply_to.
    const responses = connection.open_receiver({ name: replyTo, source: { address: "sessions/$management" } })
    const requests = connection.open_sender({ target: { address: "sessions/$management" } })
    const response = new Promise<Readonly<Record<string, unknown>>>((resolve) =>
      responses.once("message", (context) => resolve(context.message?.application_properties ?? {})),
    )
    requests.once("sendable", () =>
      requests.send({
        message_id: "list-sessions",
        reply_to: replyTo,
        application_properties: { operation: "com.microsoft:get-message-sessions" },
        body: { skip: 0, top: 10 },
      }),
    )
    expect(await response).toMatchObject({
      statusCode: 501,
      errorCondition: "amqp:not-implemented",
      "status-description":
        "Listing message sessions ('com.microsoft:get-message-sessions') is not supported by the emulator.",
    })
    connection.close()
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
