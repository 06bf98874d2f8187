import type { ServiceBusSender } from "@azure/service-bus"

/** Sends `count` copies of `body` in as few `ServiceBusMessageBatch`es as fit, one batch awaited at a time. */
export const sendBatched = async (sender: ServiceBusSender, count: number, body: unknown): Promise<void> => {
  let sent = 0
  while (sent < count) {
    const batch = await sender.createMessageBatch()
    while (sent < count && batch.tryAddMessage({ body })) sent++
    await sender.sendMessages(batch)
  }
}
