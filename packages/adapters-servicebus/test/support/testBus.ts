import { ServiceBusClient, type ServiceBusMessage, type ServiceBusReceivedMessage } from "@azure/service-bus"
import { type ConfigJson, startEmulator } from "@haymaker/servicebus-emulator"
import { expect } from "vitest"

export interface TestSubscription {
  readonly name: string
  /** ISO-8601 duration; short so redelivery after a lost lock is observable quickly. */
  readonly lockDuration?: string
  readonly maxDeliveryCount?: number
}

export interface TestTopic {
  readonly name: string
  readonly subscriptions?: ReadonlyArray<TestSubscription>
}

/** An emulator Config.json (the official emulator's format) holding the given topics. */
export const busConfig = (topics: ReadonlyArray<TestTopic>): ConfigJson => ({
  UserConfig: {
    Namespaces: [
      {
        Name: "sbemulatorns",
        Queues: [],
        Topics: topics.map((topic) => ({
          Name: topic.name,
          Properties: { DefaultMessageTimeToLive: "PT1H", RequiresDuplicateDetection: false },
          Subscriptions: (topic.subscriptions ?? [{ name: "orchestrator-sub" }]).map((subscription) => ({
            Name: subscription.name,
            Properties: {
              LockDuration: subscription.lockDuration ?? "PT2S",
              MaxDeliveryCount: subscription.maxDeliveryCount ?? 10,
              DeadLetteringOnMessageExpiration: false,
              RequiresSession: false,
            },
            Rules: [],
          })),
        })),
      },
    ],
    Logging: { Type: "Console" },
  },
})

export interface TestBus {
  readonly connectionString: string
  close(): Promise<void>
}

/** Starts the emulator on an ephemeral port of 127.0.0.1 with the given topics. */
export const startTestBus = async (topics: ReadonlyArray<TestTopic>): Promise<TestBus> => {
  const emulator = await startEmulator({ config: busConfig(topics), port: 0 })
  return { connectionString: emulator.connectionString, close: () => emulator.close() }
}

/**
 * Receives with the raw SDK (peek-lock, bodies as bytes) until `count` messages arrived or `maxWaitMs` passed, and
 * completes them. Tests use it to see exactly what the adapters put on the wire.
 */
export const drain = async (
  connectionString: string,
  topicName: string,
  subscriptionName: string,
  count: number,
  options: { readonly maxWaitMs?: number; readonly subQueue?: "deadLetter" } = {},
): Promise<Array<ServiceBusReceivedMessage>> => {
  const client = new ServiceBusClient(connectionString)
  const receiver = client.createReceiver(topicName, subscriptionName, {
    skipParsingBodyAsJson: true,
    ...(options.subQueue === undefined ? {} : { subQueueType: options.subQueue }),
  })
  const received: Array<ServiceBusReceivedMessage> = []
  const deadline = Date.now() + (options.maxWaitMs ?? 5_000)
  try {
    while (received.length < count && Date.now() < deadline) {
      const batch = await receiver.receiveMessages(count - received.length, {
        maxWaitTimeInMs: Math.max(100, Math.min(1_000, deadline - Date.now())),
      })
      for (const message of batch) {
        await receiver.completeMessage(message)
        received.push(message)
      }
    }
    return received
  } finally {
    await receiver.close()
    await client.close()
  }
}

/** Sends with the raw SDK, e.g. messages shaped like another producer's. */
export const sendRaw = async (
  connectionString: string,
  topicName: string,
  messages: Parameters<ReturnType<ServiceBusClient["createSender"]>["sendMessages"]>[0],
): Promise<void> => {
  const client = new ServiceBusClient(connectionString)
  try {
    await client.createSender(topicName).sendMessages(messages)
  } finally {
    await client.close()
  }
}

/** A body of UTF-8 JSON bytes, parsed. */
export const jsonOfBytes = (body: unknown): unknown => JSON.parse(Buffer.from(body as Uint8Array).toString("utf8"))

export const bodyJson = (message: ServiceBusReceivedMessage): unknown => jsonOfBytes(message.body)

export const resourceCreated = (name: string, extra: Record<string, unknown> = {}) => ({
  event_type: "resource_created",
  resource_id: `/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/${name}`,
  resource_type: "Microsoft.Compute/virtualMachines",
  resource_name: name,
  scenario_name: "test-scenario",
  run_id: "run-123",
  timestamp: "2024-11-14T12:00:00Z",
  tags: { env: "test" },
  ...extra,
})

/**
 * How the adapters mark an event's message: JSON bytes, the event type as the subject, and the properties that
 * subscription filters select on (`event_type`, `run_id`, `scenario_name`).
 */
export const expectMarkedAs = (
  message: Pick<ServiceBusMessage, "contentType" | "subject" | "applicationProperties">,
  event: { readonly event_type: string; readonly run_id: string; readonly scenario_name: string },
) => {
  expect(message.contentType).toBe("application/json")
  expect(message.subject).toBe(event.event_type)
  expect(message.applicationProperties).toEqual({
    event_type: event.event_type,
    run_id: event.run_id,
    scenario_name: event.scenario_name,
  })
}

/** A port on 127.0.0.1 where nothing listens. */
export const closedPort = async (): Promise<number> => {
  const { createServer } = await import("node:net")
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
