/**
 * The end-to-end bench's baseline as its own process: the raw SDK's streaming peek-lock receiver completing every
 * message, nothing else. Started like the worker (fresh process, same Node flags), it drains `warmup` messages
 * untimed, times the next `count`, and prints `{"rate": <msg/s>}`.
 *
 *   node bench/rawReceiver.ts <connection string> <topic> <subscription> <warmup> <count>
 */
import { ServiceBusClient } from "@azure/service-bus"
import { receiveAndComplete } from "./receiveAndComplete.ts"

const [connectionString = "", topic = "", subscription = "", warmup = "0", count = "0"] = process.argv.slice(2)
const client = new ServiceBusClient(connectionString)
const rate = await receiveAndComplete(client, topic, subscription, Number(warmup), Number(count))
await client.close()
console.log(JSON.stringify({ rate }))
