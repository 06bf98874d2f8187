import { X509Certificate } from "node:crypto"
import { once } from "node:events"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { request as httpsRequest } from "node:https"
import { connect as connectTcp } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { connect as connectTls, getCACertificates, setDefaultCACertificates } from "node:tls"
import { ServiceBusAdministrationClient, ServiceBusClient } from "@azure/service-bus"
import rhea, { type EventContext, type Message } from "rhea"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import WebSocket from "ws"
import { generateCertificate, type RunningEmulator, startEmulator } from "../src/index.ts"
import { fastClientOptions, namespaceConfig } from "./support.ts"

const config = namespaceConfig({ Queues: [{ Name: "jobs" }] })

/** Sends one message and receives it back through `client`: the transport carries the whole protocol. */
const roundTrip = async (client: ServiceBusClient, body: string): Promise<unknown> => {
  await client.createSender("jobs").sendMessages({ body, applicationProperties: { via: body } })
  const receiver = client.createReceiver("jobs")
  const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 })
  if (message === undefined) throw new Error("no message came back")
  await receiver.completeMessage(message)
  return message.body
}

const httpsGet = (url: string, ca: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    httpsRequest(url, { ca }, (response) => {
      let body = ""
      response.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8")
      })
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }))
    })
      .on("error", reject)
      .end()
  })

const upgradeStatus = (url: string, protocols: ReadonlyArray<string>, ca?: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url, [...protocols], ca === undefined ? {} : { ca })
    socket.on("unexpected-response", (_request, response) => {
      resolve(response.statusCode ?? 0)
      socket.terminate()
    })
    socket.on("open", () => reject(new Error("the upgrade was accepted")))
    socket.on("error", () => undefined)
  })

describe("transports", () => {
  describe("with --tls", () => {
    let emulator: RunningEmulator
    const dir = mkdtempSync(join(tmpdir(), "sb-emulator-tls-"))
    const caPath = join(dir, "ca.pem")

    beforeAll(async () => {
      emulator = await startEmulator({ config, tls: true, caOut: caPath })
    })

    afterAll(async () => {
      await emulator?.close()
    })

    it("writes the CA of its generated certificate, which covers localhost and 127.0.0.1", async () => {
      expect(readFileSync(caPath, "utf8")).toBe(emulator.ca)
      expect(emulator.caPath).toBe(caPath)
      const socket = connectTls({ host: "127.0.0.1", port: emulator.port, ca: emulator.ca, servername: "localhost" })
      await once(socket, "secureConnect")
      const served = new X509Certificate(socket.getPeerX509Certificate()?.raw ?? Buffer.alloc(0))
      socket.destroy()
      const authority = new X509Certificate(emulator.ca ?? "")
      expect(authority.ca).toBe(true)
      expect(served.ca).toBe(false)
      expect(served.checkIssued(authority) && served.verify(authority.publicKey)).toBe(true)
      expect(served.checkHost("localhost")).toBe("localhost")
      expect(served.checkIP("127.0.0.1")).toBe("127.0.0.1")
    })

    it("serves the JS SDK over AMQPS with the TLS connection string", async () => {
      expect(emulator.tlsConnectionString).toBe(
        `Endpoint=sb://127.0.0.1:${emulator.port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;`,
      )
      // The SDK has no option for a private CA on AMQPS: the process trusts it, as NODE_EXTRA_CA_CERTS would.
      const trusted = getCACertificates("default")
      setDefaultCACertificates([...trusted, emulator.ca ?? ""])
      const client = new ServiceBusClient(emulator.tlsConnectionString ?? "", fastClientOptions)
      try {
        expect(await roundTrip(client, "over amqps")).toBe("over amqps")
      } finally {
        await client.close()
        setDefaultCACertificates(trusted)
      }
    })

    it("serves the JS SDK over secure WebSockets (webSocketOptions)", async () => {
      expect(emulator.webSocketUrl).toBe(`wss://127.0.0.1:${emulator.port}/$servicebus/websocket`)
      const client = new ServiceBusClient(emulator.tlsConnectionString ?? "", {
        ...fastClientOptions,
        webSocketOptions: { webSocket: WebSocket, webSocketConstructorOptions: { ca: emulator.ca } },
      })
      try {
        expect(await roundTrip(client, "over wss")).toBe("over wss")
      } finally {
        await client.close()
      }
    })

    it("keeps serving plain AMQP on the same port (the UseDevelopmentEmulator connection string)", async () => {
      const client = new ServiceBusClient(emulator.connectionString, fastClientOptions)
      try {
        expect(await roundTrip(client, "over amqp")).toBe("over amqp")
      } finally {
        await client.close()
      }
    })

    it("answers HTTPS on the same port: GET /health, and the management API with the data plane's connection string", async () => {
      const health = await httpsGet(`https://127.0.0.1:${emulator.port}/health`, emulator.ca ?? "")
      expect(health.status).toBe(200)
      expect(JSON.parse(health.body)).toMatchObject({ status: "healthy", amqpPort: emulator.port, queues: 1 })
      const admin = new ServiceBusAdministrationClient(emulator.tlsConnectionString ?? "", {
        retryOptions: { maxRetries: 0 },
        tlsOptions: { ca: emulator.ca ?? "" },
      })
      const client = new ServiceBusClient(emulator.connectionString, fastClientOptions)
      try {
        await client.createSender("jobs").sendMessages({ body: "counted" })
        const runtime = await admin.getQueueRuntimeProperties("jobs")
        expect(runtime.activeMessageCount).toBe(1)
      } finally {
        await client.close()
      }
    })

    it("refuses WebSocket upgrades on other paths or without the AMQPWSB10 subprotocol", async () => {
      const base = `wss://127.0.0.1:${emulator.port}`
      expect(await upgradeStatus(`${base}/somewhere`, ["AMQPWSB10"], emulator.ca)).toBe(404)
      expect(await upgradeStatus(`${base}/$servicebus/websocket`, ["mqtt"], emulator.ca)).toBe(400)
    })
  })

  describe("without --tls", () => {
    let emulator: RunningEmulator

    beforeAll(async () => {
      emulator = await startEmulator({ config })
    })

    afterAll(async () => {
      await emulator?.close()
    })

    it("serves AMQP over plain WebSockets (rhea on Node's own WebSocket, SASL PLAIN)", async () => {
      expect(emulator.webSocketUrl).toBe(`ws://127.0.0.1:${emulator.port}/$servicebus/websocket`)
      const container = rhea.create_container({ id: "ws-client" })
      const factory = container.websocket_connect(globalThis.WebSocket as never)
      const connection = container.connect({
        connection_details: factory(emulator.webSocketUrl, ["AMQPWSB10"], {}),
        username: "RootManageSharedAccessKey",
        password: "SAS_KEY_VALUE",
        reconnect: false,
      } as never)
      const receiver = connection.open_receiver({ source: { address: "jobs" }, credit_window: 1, autoaccept: true })
      const received = new Promise<Message>((resolve) =>
        receiver.on("message", (context: EventContext) => resolve(context.message as Message)),
      )
      const sender = connection.open_sender({ target: { address: "jobs" } })
      await once(sender, "sendable")
      sender.send({ body: "over ws", application_properties: { via: "ws" } })
      const message = await received
      expect(message.body).toBe("over ws")
      expect(message.application_properties).toEqual({ via: "ws" })
      connection.close()
      await once(connection, "connection_close")
    })

    it("answers plain HTTP on the AMQP port", async () => {
      const response = await fetch(`http://127.0.0.1:${emulator.port}/health`)
      expect(response.status).toBe(200)
      expect(await response.json()).toMatchObject({ status: "healthy", amqpPort: emulator.port })
    })

    it("closes a TLS handshake, since it has no certificate to serve", async () => {
      const socket = connectTcp({ host: "127.0.0.1", port: emulator.port })
      await once(socket, "connect")
      socket.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05]))
      await once(socket, "close")
      expect(socket.closed).toBe(true)
    })
  })

  describe("with the user's certificate", () => {
    it("serves the certificate and key it is given, as PEM or as file paths", async () => {
      const own = generateCertificate({ dnsNames: ["bus.test", "localhost"] })
      const dir = mkdtempSync(join(tmpdir(), "sb-emulator-cert-"))
      writeFileSync(join(dir, "cert.pem"), own.cert)
      writeFileSync(join(dir, "key.pem"), own.key)
      for (const material of [
        { cert: own.cert, key: own.key },
        { cert: join(dir, "cert.pem"), key: join(dir, "key.pem") },
      ]) {
        const emulator = await startEmulator({ config, ...material })
        try {
          expect(emulator.ca).toBeUndefined()
          const socket = connectTls({ host: "127.0.0.1", port: emulator.port, ca: own.ca, servername: "bus.test" })
          await once(socket, "secureConnect")
          expect(socket.getPeerX509Certificate()?.fingerprint256).toBe(new X509Certificate(own.cert).fingerprint256)
          socket.destroy()
        } finally {
          await emulator.close()
        }
      }
    })

    it("refuses half a key pair, and --ca-out without a generated certificate", async () => {
      const own = generateCertificate()
      await expect(startEmulator({ config, cert: own.cert })).rejects.toThrow(/--cert and --key/)
      await expect(startEmulator({ config, ...own, caOut: join(tmpdir(), "never.pem") })).rejects.toThrow(/--ca-out/)
      await expect(startEmulator({ config, caOut: join(tmpdir(), "never.pem") })).rejects.toThrow(
        /--ca-out needs --tls/,
      )
    })
  })
})
