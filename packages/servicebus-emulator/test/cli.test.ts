import type { ChildProcess } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import type { AddressInfo } from "node:net"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ServiceBusClient } from "@azure/service-bus"
import { afterAll, describe, expect, it } from "vitest"
import WebSocket from "ws"
import { exited as exit, firstLine, type Ready, runCli } from "./emulatorProcess.ts"
import { fastClientOptions, namespaceConfig, newClient } from "./support.ts"

const started: Array<ChildProcess> = []

const run = (args: ReadonlyArray<string>): ChildProcess => {
  const child = runCli(args)
  started.push(child)
  return child
}

describe("servicebus-emulator CLI", () => {
  afterAll(() => {
    for (const child of started) if (child.exitCode === null) child.kill("SIGKILL")
  })

  it("prints its connection string and ports, serves /health and the SDK, and stops on SIGTERM", async () => {
    // With the `--` that `pnpm start -- …` passes on.
    const child = run(["--", "--port", "0", "--http-port", "0", "--log-level", "warn"])
    const exited = exit(child)
    const ready = JSON.parse(await firstLine(child)) as Ready
    expect(ready.port).toBeGreaterThan(0)
    expect(ready.httpPort).toBeGreaterThan(0)
    expect(ready.connectionString).toContain(`Endpoint=sb://127.0.0.1:${ready.port};`)

    const health = await fetch(`http://127.0.0.1:${ready.httpPort}/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: "healthy", amqpPort: ready.port, topics: 1 })
    // Every other path is the management API, which wants a SAS token.
    expect((await fetch(`http://127.0.0.1:${ready.httpPort}/agent-logs`)).status).toBe(401)

    const client = newClient(ready.connectionString)
    await client.createSender("agent-logs").sendMessages({ body: { event_type: "resource_created" } })
    const receiver = client.createReceiver("agent-logs", "orchestrator-sub", { receiveMode: "receiveAndDelete" })
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 })
    expect(message?.body).toEqual({ event_type: "resource_created" })
    await client.close()

    child.kill("SIGTERM")
    expect((await exited).code).toBe(0)
  })

  it("loads --config and refuses an invalid one naming the bad field", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-emulator-cli-"))
    const good = join(dir, "good.json")
    writeFileSync(good, JSON.stringify(namespaceConfig({ Queues: [{ Name: "from-file" }] })))
    const child = run(["--config", good, "--port", "0", "--http-port", "0", "--log-level", "silent"])
    const exited = exit(child)
    const ready = JSON.parse(await firstLine(child)) as Ready
    const client = newClient(ready.connectionString)
    await client.createSender("from-file").sendMessages({ body: "hi" })
    expect((await client.createReceiver("from-file").peekMessages(1)).map((m) => m.body)).toEqual(["hi"])
    await client.close()
    child.kill("SIGTERM")
    expect((await exited).code).toBe(0)

    const bad = join(dir, "bad.json")
    writeFileSync(
      bad,
      JSON.stringify(namespaceConfig({ Queues: [{ Name: "q", Properties: { LockDuration: "one minute" } }] })),
    )
    const refused = await exit(run(["--config", bad, "--port", "0", "--http-port", "0"]))
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain("UserConfig.Namespaces[0].Queues[0].Properties.LockDuration")
    expect(refused.stderr).toContain(bad)
  })

  it("--tls --ca-out serves secure WebSockets with a certificate its written CA vouches for", async () => {
    const caPath = join(mkdtempSync(join(tmpdir(), "sb-emulator-cli-")), "ca.pem")
    const child = run(["--tls", "--ca-out", caPath, "--port", "0", "--http-port", "0", "--log-level", "warn"])
    const exited = exit(child)
    const ready = JSON.parse(await firstLine(child)) as Ready
    expect(ready).toMatchObject({
      caPath,
      webSocketUrl: `wss://127.0.0.1:${ready.port}/$servicebus/websocket`,
      tlsConnectionString: expect.stringContaining(`Endpoint=sb://127.0.0.1:${ready.port};`),
    })
    const client = new ServiceBusClient(ready.tlsConnectionString ?? "", {
      ...fastClientOptions,
      webSocketOptions: { webSocket: WebSocket, webSocketConstructorOptions: { ca: readFileSync(caPath, "utf8") } },
    })
    await client.createSender("agent-logs").sendMessages({ body: "via wss" })
    const receiver = client.createReceiver("agent-logs", "orchestrator-sub", { receiveMode: "receiveAndDelete" })
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 })
    expect(message?.body).toBe("via wss")
    await client.close()
    child.kill("SIGTERM")
    expect((await exited).code).toBe(0)
  })

  it("rejects unknown flags", async () => {
    const result = await exit(run(["--prot", "1"]))
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("--prot")
  })

  it("exits 1 naming the address when its port is taken", async () => {
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve))
    const { port } = taken.address() as AddressInfo
    try {
      const result = await exit(run(["--port", String(port), "--http-port", "0", "--log-level", "silent"]))
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(
        `servicebus-emulator: listen EADDRINUSE: address already in use 127.0.0.1:${port}`,
      )
    } finally {
      await new Promise((resolve) => taken.close(resolve))
    }
  })
})
