import { once } from "node:events"
import { connect as connectTcp } from "node:net"
import { connect as connectTls } from "node:tls"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import WebSocket from "ws"
import { type RunningEmulator, startEmulator } from "../src/index.ts"
import { amqpFrame, frameHeader, kindOf, protocolHeader, RawAmqpConnection, source, target } from "./rawAmqp.ts"
import { namespaceConfig, newClient } from "./support.ts"

const plain = { keyName: "RootManageSharedAccessKey", key: "SAS_KEY_VALUE" }
const config = namespaceConfig({
  Queues: [{ Name: "jobs" }, { Name: "small", Properties: { MaxMessageSizeInKilobytes: 32 } }],
})

describe("hardening", () => {
  let emulator: RunningEmulator
  /** The same, with a short handshake timeout. */
  let strict: RunningEmulator

  beforeAll(async () => {
    ;[emulator, strict] = await Promise.all([
      startEmulator({ config, tls: true }),
      startEmulator({ config, tls: true, handshakeTimeoutMs: 1000 }),
    ])
  })

  afterAll(async () => {
    await Promise.all([emulator?.close(), strict?.close()])
  })

  describe("frame sizes", () => {
    it("closes the connection on a frame header claiming 4 GB before SASL, without reading the frame", async () => {
      const connection = await RawAmqpConnection.connect(emulator.port)
      connection.write(protocolHeader(3))
      connection.write(frameHeader(0xffff_ffff, 1))
      await connection.closed
      expect(connection.isClosed).toBe(true)
    })

    it("closes the connection on an oversize frame between SASL and the open", async () => {
      const connection = await RawAmqpConnection.connect(emulator.port)
      await connection.authenticate()
      connection.write(frameHeader(256 * 1024 * 1024))
      await connection.closed
      expect(connection.isClosed).toBe(true)
    })

    it("advertises a max-frame-size and ends the connection with framing-error on a bigger frame after the open", async () => {
      const connection = await RawAmqpConnection.connect(emulator.port)
      await connection.authenticate()
      const open = await connection.openSession()
      expect(open.performative?.max_frame_size).toBe(65536)
      connection.write(frameHeader(65536 + 1))
      const close = await connection.expect("close")
      expect(close.performative?.error).toMatchObject({ condition: "amqp:connection:framing-error" })
      await connection.closed
    })

    it("applies the same limits to AMQP over WebSockets", async () => {
      const socket = new WebSocket(emulator.webSocketUrl, ["AMQPWSB10"], { ca: emulator.ca })
      await once(socket, "open")
      const closed = once(socket, "close")
      socket.send(Buffer.concat([protocolHeader(3), frameHeader(0xffff_fff0, 1)]))
      await closed
      expect(socket.readyState).toBe(WebSocket.CLOSED)
    })
  })

  describe("handshake timeout", () => {
    it("closes sockets that never send the AMQP header, and no others", async () => {
      const open = await RawAmqpConnection.connect(strict.port)
      await open.authenticate()
      await open.openSession()
      const idle = await Promise.all(Array.from({ length: 20 }, () => RawAmqpConnection.connect(strict.port)))
      await Promise.all(idle.map((connection) => connection.closed))
      // Accepted before the idle ones, the open connection would have timed out first had its timer kept running.
      expect(open.isClosed).toBe(false)
      open.close()
    })

    it("closes a connection that stalls in SASL", async () => {
      const stalled = await RawAmqpConnection.connect(strict.port)
      stalled.write(protocolHeader(3))
      await stalled.expect("sasl-mechanisms")
      await stalled.closed
      expect(stalled.isClosed).toBe(true)
    })

    it("closes a TLS connection that sends nothing after the TLS handshake", async () => {
      const socket = connectTls({ host: "127.0.0.1", port: strict.port, ca: strict.ca, servername: "localhost" })
      await once(socket, "secureConnect")
      await once(socket, "close")
      expect(socket.closed).toBe(true)
    })

    it("closes a TCP connection that starts a TLS handshake and stops", async () => {
      const socket = connectTcp({ host: "127.0.0.1", port: strict.port })
      await once(socket, "connect")
      socket.write(Buffer.from([0x16, 0x03, 0x01]))
      await once(socket, "close")
      expect(socket.closed).toBe(true)
    })

    it("closes a WebSocket that never sends the AMQP header", async () => {
      const socket = new WebSocket(strict.webSocketUrl, ["AMQPWSB10"], { ca: strict.ca })
      await once(socket, "open")
      await once(socket, "close")
      expect(socket.readyState).toBe(WebSocket.CLOSED)
    })
  })

  describe("message size while a transfer streams in", () => {
    const attachSender = async (connection: RawAmqpConnection, address: string, handle: number) => {
      connection.write(
        amqpFrame("attach", {
          name: `sender-${handle}`,
          handle,
          role: false,
          snd_settle_mode: 0,
          source: source("raw-client"),
          target: target(address),
          initial_delivery_count: 0,
        }),
      )
      const attach = await connection.expect("attach")
      await connection.expect("flow")
      return attach
    }

    it("detaches a link whose transfer outgrows max-message-size as soon as it does, and serves the next link", async () => {
      const connection = await RawAmqpConnection.connect(emulator.port)
      await connection.authenticate(plain)
      await connection.openSession()
      const attach = await attachSender(connection, "jobs", 0)
      const limit = attach.performative?.max_message_size as number
      expect(limit).toBe(256 * 1024)

      // 64 MB in 60 KB frames, written as fast as the emulator reads them; the refusal must come long before the end.
      const planned = 64 * 1024 * 1024
      const chunk = Buffer.alloc(60 * 1024, 0x61)
      let sent = 0
      let detach: Awaited<ReturnType<typeof connection.expect>> | undefined
      const detached = connection.expect("detach").then((frame) => {
        detach = frame
      })
      while (detach === undefined && sent < planned) {
        const more = sent + chunk.length < planned
        await connection.writePaced(
          amqpFrame(
            "transfer",
            sent === 0
              ? { handle: 0, delivery_id: 0, delivery_tag: Buffer.from([1]), message_format: 0, more }
              : { handle: 0, more },
            0,
            chunk,
          ),
        )
        sent += chunk.length
        await new Promise((resolve) => setImmediate(resolve))
      }
      await detached
      expect(detach?.performative?.error).toMatchObject({ condition: "amqp:link:message-size-exceeded" })
      expect(sent).toBeLessThan(planned)

      // The connection and its other links are unharmed.
      connection.write(amqpFrame("detach", { handle: 0, closed: true }))
      await attachSender(connection, "jobs", 1)
      connection.write(
        amqpFrame(
          "transfer",
          { handle: 1, delivery_id: 1, delivery_tag: Buffer.from([2]), message_format: 0 },
          0,
          Buffer.from([0x00, 0x53, 0x77, 0xa1, 0x02, 0x6f, 0x6b]), // amqp-value "ok"
        ),
      )
      const disposition = await connection.expect("disposition")
      expect(kindOf(disposition)).toBe("disposition")
      expect(JSON.stringify(disposition.performative?.state)).not.toContain("rejected")
      connection.close()

      const client = newClient(emulator.connectionString)
      const peeked = await client.createReceiver("jobs").peekMessages(10)
      expect(peeked.map((message) => message.body)).toEqual(["ok"])
      await client.close()
    })

    it("rejects a complete oversize message and keeps the link", async () => {
      const connection = await RawAmqpConnection.connect(emulator.port)
      await connection.authenticate(plain)
      await connection.openSession()
      await attachSender(connection, "small", 0)
      const body = Buffer.alloc(40 * 1024, 0x62)
      const header = Buffer.from([0x00, 0x53, 0x75, 0xb0, 0, 0, 0, 0])
      header.writeUInt32BE(body.length, 4)
      connection.write(
        amqpFrame(
          "transfer",
          { handle: 0, delivery_id: 0, delivery_tag: Buffer.from([1]), message_format: 0 },
          0,
          Buffer.concat([header, body]),
        ),
      )
      const disposition = await connection.expect("disposition")
      expect(JSON.stringify(disposition.performative?.state)).toContain("amqp:link:message-size-exceeded")
      await attachSender(connection, "small", 1)
      expect(connection.isClosed).toBe(false)
      connection.close()
    })
  })
})
