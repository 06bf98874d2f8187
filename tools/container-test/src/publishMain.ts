// A third process, as an agent fleet is: publishes the run's traffic to the topic in batches and reports its progress
// as JSON lines on standard output. Usage: node publishMain.ts <events> <poison per kind>, the namespace's connection
// string in SERVICEBUS_CONNECTION_STRING.
import { ServiceBusClient } from "@azure/service-bus"
import { traffic } from "./agentTraffic.ts"
import { TOPIC } from "./emulatorProcess.ts"

const [events, poisonPerKind] = process.argv.slice(2).map(Number)
const connection = process.env.SERVICEBUS_CONNECTION_STRING
if (connection === undefined || events === undefined || poisonPerKind === undefined) {
  throw new Error("usage: publishMain.ts <events> <poison per kind>, with SERVICEBUS_CONNECTION_STRING")
}

const client = new ServiceBusClient(connection)
const sender = client.createSender(TOPIC)
const messages = traffic(events, poisonPerKind)
const started = performance.now()
let sent = 0
while (sent < messages.length) {
  const batch = await sender.createMessageBatch()
  while (sent < messages.length && batch.tryAddMessage(messages[sent] as (typeof messages)[number])) sent++
  await sender.sendMessages(batch)
  process.stdout.write(`${JSON.stringify({ sent })}\n`)
}
await sender.close()
await client.close()
process.stdout.write(`${JSON.stringify({ done: true, sent, seconds: (performance.now() - started) / 1000 })}\n`)
