import { randomUUID } from "node:crypto"
import { ServiceBusClient, type ServiceBusMessage } from "@azure/service-bus"
import type { ConfigJson } from "@haymaker/servicebus-emulator"
import { busConfig } from "../test/support/testBus.ts"

/** An emulator configuration with the given topics, each with one subscription `bench-sub`. */
export const benchConfig = (topics: ReadonlyArray<string>): ConfigJson =>
  busConfig(topics.map((name) => ({ name, subscriptions: [{ name: "bench-sub", lockDuration: "PT1M" }] })))

/** A resource event as agents publish it: about 400 bytes of JSON. */
export const benchEvent = (i: number) => ({
  event_type: "resource_created",
  resource_id: `/subscriptions/sub1/resourceGroups/rg-${i % 50}/providers/Microsoft.Compute/virtualMachines/vm${i}`,
  resource_type: "Microsoft.Compute/virtualMachines",
  resource_name: `vm${i}`,
  scenario_name: "compute-scenario",
  run_id: `run-${Math.floor(i / 500)}`,
  timestamp: new Date(Date.UTC(2024, 10, 14, 12) + i * 1000).toISOString(),
  tags: { env: "bench", index: String(i) },
})

export type BenchEvent = ReturnType<typeof benchEvent>

/**
 * The message the adapter puts on the wire for `event`, built the way a raw SDK user would: the same JSON body in
 * one data section, content type, subject, filter properties, and a 32-character message id (random here: the
 * adapter derives its id from the event, and that work counts against the adapter).
 */
export const rawMessage = (event: BenchEvent): ServiceBusMessage => ({
  body: event,
  contentType: "application/json",
  subject: event.event_type,
  messageId: randomUUID().replaceAll("-", ""),
  applicationProperties: { event_type: event.event_type, run_id: event.run_id, scenario_name: event.scenario_name },
})

/**
 * The raw SDK doing the adapter's job end to end: its own client (connection) and sender, `createMessageBatch` +
 * `tryAddMessage` batches of `batchSize`, at most `inFlight` sends outstanding, then close.
 */
export const rawBatchSend = async (
  connectionString: string,
  topic: string,
  events: ReadonlyArray<BenchEvent>,
  options: { readonly batchSize: number; readonly inFlight: number },
): Promise<void> => {
  const client = new ServiceBusClient(connectionString)
  const sender = client.createSender(topic)
  const pending: Array<Promise<void>> = []
  const send = async (batch: Awaited<ReturnType<typeof sender.createMessageBatch>>) => {
    pending.push(sender.sendMessages(batch))
    if (pending.length >= options.inFlight) await pending.shift()
  }
  let batch = await sender.createMessageBatch()
  for (const event of events) {
    const message = rawMessage(event)
    if (batch.count < options.batchSize && batch.tryAddMessage(message)) continue
    await send(batch)
    batch = await sender.createMessageBatch()
    batch.tryAddMessage(message)
  }
  if (batch.count > 0) await send(batch)
  await Promise.all(pending)
  await sender.close()
  await client.close()
}
