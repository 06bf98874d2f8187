import { createServer } from "node:net"
import { describe, expect, it } from "vitest"
import { ConfigError, startEmulator } from "../src/index.ts"
import { namespaceConfig, newClient } from "./support.ts"

const canListen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer()
    server.once("error", () => resolve(false))
    server.listen({ host: "127.0.0.1", port }, () => server.close(() => resolve(true)))
  })

describe("emulator lifecycle", () => {
  it("close() ends live SDK connections, frees the ports, and leaves clients able to close", async () => {
    const emulator = await startEmulator({ config: namespaceConfig({ Queues: [{ Name: "q" }] }), httpPort: 0 })
    const client = newClient(emulator.connectionString)
    const receiver = client.createReceiver("q")
    await client.createSender("q").sendMessages({ body: "in flight" })
    const [message] = await receiver.receiveMessages(1)
    expect(message?.body).toBe("in flight")
    await emulator.close()
    expect(await canListen(emulator.port)).toBe(true)
    expect(await canListen(emulator.httpPort ?? 0)).toBe(true)
    await client.close()
  })

  it("refuses an invalid configuration with the JSON path of the bad field", async () => {
    const config = namespaceConfig({
      Topics: [{ Name: "t", Subscriptions: [{ Name: "s", Properties: { MaxDeliveryCount: 0 } }] }],
    })
    const error = await startEmulator({ config }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).path).toBe(
      "$.UserConfig.Namespaces[0].Topics[0].Subscriptions[0].Properties.MaxDeliveryCount",
    )
  })

  it("fails to start on a port already in use", async () => {
    const first = await startEmulator({ config: namespaceConfig({}) })
    try {
      await expect(startEmulator({ config: namespaceConfig({}), port: first.port })).rejects.toThrow(/EADDRINUSE/)
    } finally {
      await first.close()
    }
  })
})
