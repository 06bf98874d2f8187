import type { ServiceBusClient } from "@azure/service-bus"

/**
 * The baseline of the end-to-end bench: the SDK's streaming peek-lock receiver completing every message, 256
 * concurrent calls, nothing else. Drains `warmup` messages untimed, then answers the rate (msg/s) of the next `count`.
 */
export const receiveAndComplete = async (
  client: ServiceBusClient,
  topic: string,
  subscription: string,
  warmup: number,
  count: number,
): Promise<number> => {
  const receiver = client.createReceiver(topic, subscription)
  let done = 0
  let started = performance.now()
  await new Promise<void>((resolve, reject) => {
    receiver.subscribe(
      {
        processMessage: async (message) => {
          await receiver.completeMessage(message)
          if (++done === warmup) started = performance.now()
          if (done === warmup + count) resolve()
        },
        processError: async (args) => reject(args.error),
      },
      { autoCompleteMessages: false, maxConcurrentCalls: 256 },
    )
  })
  const elapsed = performance.now() - started
  await receiver.close()
  return (count / elapsed) * 1000
}
