// A strict TypeScript consumer (module nodenext) of the published declarations.
import {
  connectionString,
  EventBusClient,
  parseResourceEvents,
  ServiceBusEventPublisher,
  type WireEvent,
} from "@haymaker/adapters-servicebus"
import { type Layer, Redacted } from "effect"

const event: WireEvent = {
  event_type: "resource_created",
  resource_id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/typed",
  resource_type: "Microsoft.Storage/storageAccounts",
  resource_name: "typed",
  scenario_name: "storage",
  run_id: "run-typed",
  timestamp: "2026-01-01T00:00:00Z",
}

export const publish = (client: EventBusClient): Promise<void> => client.publish(event)
export const names: Array<string> = parseResourceEvents([event]).map((resource) => resource.resourceName)
export const client = new EventBusClient({
  connectionString: "Endpoint=sb://x/;SharedAccessKeyName=a;SharedAccessKey=b",
  topicName: "agent-logs",
  batchSize: 500,
})
const layer = ServiceBusEventPublisher.layer({
  connection: connectionString(Redacted.make("Endpoint=sb://x/")),
  topicName: "agent-logs",
})
export const publisher: Layer.Layer<Layer.Success<typeof layer>, Layer.Error<typeof layer>> = layer
