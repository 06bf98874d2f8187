import { createHmac } from "node:crypto"
import { Agent } from "node:https"
import { connect, type Socket } from "node:net"
import {
  ServiceBusAdministrationClient,
  type ServiceBusAdministrationClientOptions,
  ServiceBusClient,
  type ServiceBusClientOptions,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
} from "@azure/service-bus"
import { afterAll, beforeAll } from "vitest"
import type { ConfigJson, QueueJson, TopicJson } from "../src/config/ConfigJson.ts"
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "../src/index.ts"

/** Negative paths must fail fast: no SDK retries, short operation timeouts. */
export const fastClientOptions: ServiceBusClientOptions = {
  retryOptions: { maxRetries: 0, retryDelayInMs: 50, timeoutInMs: 10_000 },
}

export const namespaceConfig = (entities: {
  readonly Queues?: ReadonlyArray<QueueJson>
  readonly Topics?: ReadonlyArray<TopicJson>
}): ConfigJson => ({
  UserConfig: { Namespaces: [{ Name: "sbemulatorns", ...entities }], Logging: { Type: "Console" } },
})

/** A fail-fast client; `retryOptions` override the defaults (a short `timeoutInMs` bounds acceptNextSession's wait). */
export const newClient = (
  connectionString: string,
  retryOptions: ServiceBusClientOptions["retryOptions"] = {},
): ServiceBusClient =>
  new ServiceBusClient(connectionString, { retryOptions: { ...fastClientOptions.retryOptions, ...retryOptions } })

/** Resolves at wall-clock time `atMs` (for waits on a deadline the test itself set, such as a lock's expiry). */
export const untilTime = (atMs: number): Promise<void> => sleep(Math.max(0, atMs - Date.now()))

/**
 * An emulator and a fail-fast client on it for the tests of the surrounding `describe`: started before them, closed
 * after them. Read `emulator` and `client` inside tests (they are set once `beforeAll` ran).
 */
export const useEmulator = (options: EmulatorOptions): { emulator: RunningEmulator; client: ServiceBusClient } => {
  const running = {} as { emulator: RunningEmulator; client: ServiceBusClient }
  beforeAll(async () => {
    running.emulator = await startEmulator(options)
    running.client = newClient(running.emulator.connectionString)
  })
  afterAll(async () => {
    await running.client?.close()
    await running.emulator?.close()
  })
  return running
}

/**
 * `@azure/service-bus` 7.9.5's administration client always speaks HTTPS to the connection string's host and port.
 * This agent keeps the HTTPS request but connects in plain TCP, so the client reaches the emulator's plain HTTP
 * management endpoint (the AMQP port, or the HTTP port) without a certificate.
 */
class PlainTcpAgent extends Agent {
  override createConnection(options: { host?: string | null; port?: number | null }): Socket {
    return connect(options.port ?? 443, options.host ?? "127.0.0.1")
  }
}

export const adminClientOptions: ServiceBusAdministrationClientOptions = {
  retryOptions: { maxRetries: 0 },
  agent: new PlainTcpAgent({ keepAlive: false }),
}

export const adminClient = (connectionString: string): ServiceBusAdministrationClient =>
  new ServiceBusAdministrationClient(connectionString, adminClientOptions)

/**
 * The administration client as a user of 7.9.5 runs it: HTTPS to the data plane's connection string (host and
 * port), trusting the CA of an emulator started with `tls: true`.
 */
export const httpsAdminClient = (
  emulator: { readonly connectionString: string; readonly ca?: string },
  connectionString = emulator.connectionString,
): ServiceBusAdministrationClient => {
  if (emulator.ca === undefined) throw new Error("httpsAdminClient needs an emulator started with tls: true")
  return new ServiceBusAdministrationClient(connectionString, {
    retryOptions: { maxRetries: 0 },
    tlsOptions: { ca: emulator.ca },
  })
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Receives until `count` messages arrived or `timeoutMs` passed. */
export const receiveAll = async (
  receiver: ServiceBusReceiver,
  count: number,
  timeoutMs = 5000,
): Promise<Array<ServiceBusReceivedMessage>> => {
  const received: Array<ServiceBusReceivedMessage> = []
  const deadline = Date.now() + timeoutMs
  while (received.length < count && Date.now() < deadline) {
    const batch = await receiver.receiveMessages(count - received.length, {
      maxWaitTimeInMs: Math.max(50, deadline - Date.now()),
    })
    received.push(...batch)
  }
  return received
}

/**
 * Drains a queue or subscription (or its dead-letter queue) in receive-and-delete mode: the expected count, then a
 * short wait that shows nothing else is there. For exact accounting of where messages went.
 */
export const drain = async (
  client: ServiceBusClient,
  entity: { readonly queue: string } | { readonly topic: string; readonly subscription: string },
  expected: number,
  subQueueType?: "deadLetter",
): Promise<Array<ServiceBusReceivedMessage>> => {
  const options = subQueueType === undefined ? {} : { subQueueType }
  const receiver =
    "queue" in entity
      ? client.createReceiver(entity.queue, { receiveMode: "receiveAndDelete", ...options })
      : client.createReceiver(entity.topic, entity.subscription, { receiveMode: "receiveAndDelete", ...options })
  const received = await receiveAll(receiver, expected)
  received.push(...(await receiver.receiveMessages(10, { maxWaitTimeInMs: 300 })))
  await receiver.close()
  return received
}

/** The error of the class `type` that `run` throws (any other outcome fails the test). */
export const thrownBy = <E>(run: () => unknown, type: abstract new (...args: never) => E): E => {
  try {
    run()
  } catch (error) {
    if (error instanceof type) return error
    throw error
  }
  throw new Error(`expected a ${type.name}, but nothing was thrown`)
}

/** Captures the rejection of a promise so a test can assert on the SDK's error code. */
export const failure = async (promise: Promise<unknown>): Promise<{ code?: string; message: string }> => {
  try {
    await promise
  } catch (error) {
    return error as { code?: string; message: string }
  }
  throw new Error("expected the operation to fail, but it succeeded")
}

type LogRecord = Readonly<Record<string, unknown>>

/**
 * The emulator's debug log as a source of signals: `next` resolves when a matching line is written (a lock expired,
 * a message was dead-lettered), so a test waits for the event instead of sleeping for a guessed time. Pass `sink` as
 * `logSink` with `logLevel: "debug"`; call `next` before triggering the event.
 */
export const logSignals = () => {
  const waiting = new Set<{
    readonly matches: (record: LogRecord) => boolean
    readonly resolve: (r: LogRecord) => void
  }>()
  const sink = (line: string) => {
    const record = JSON.parse(line) as LogRecord
    for (const waiter of waiting) {
      if (!waiter.matches(record)) continue
      waiting.delete(waiter)
      waiter.resolve(record)
    }
  }
  const next = (msg: string, fields: LogRecord = {}): Promise<LogRecord> =>
    new Promise((resolve) => {
      waiting.add({
        matches: (record) =>
          record.msg === msg && Object.entries(fields).every(([key, value]) => record[key] === value),
        resolve,
      })
    })
  return { sink, next }
}

/** A SAS token as the SDKs sign it: HMAC-SHA256 over the URL-encoded audience and the expiry in seconds. */
export const sasToken = (audience: string, keyName: string, key: string, expirySeconds: number | string): string => {
  const resource = encodeURIComponent(audience)
  const signature = createHmac("sha256", key).update(`${resource}\n${expirySeconds}`).digest("base64")
  return `SharedAccessSignature sr=${resource}&sig=${encodeURIComponent(signature)}&se=${expirySeconds}&skn=${keyName}`
}
