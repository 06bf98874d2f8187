// The one deliberate mistake the compiler must catch: batchSize is a number.
import { EventBusClient } from "@haymaker/adapters-servicebus"

export const client = new EventBusClient({
  connectionString: "Endpoint=sb://x/",
  topicName: "agent-logs",
  batchSize: "500",
})
