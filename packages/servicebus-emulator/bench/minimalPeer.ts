import { randomBytes } from "node:crypto"
import { type AddressInfo, createServer, type Socket } from "node:net"
import rhea, { type EventContext, type Sender } from "rhea"
import { batchSocketWrites } from "../src/amqp/rheaInternals.ts"

/**
 * The baseline: the least an AMQP peer must do for `@azure/service-bus` to send and receive. It answers CBS with
 * 202, accepts and discards every transfer, and hands receivers one canned pre-encoded 1 KB message per credit,
 * settling every disposition at once. No storage, no locks, no routing: the emulator's overhead is the difference.
 */
export const startMinimalPeer = async (): Promise<{ readonly connectionString: string; close(): Promise<void> }> => {
  const container = rhea.create_container({ id: "minimal-peer" })
  const mechanisms = container.sasl_server_mechanisms as { enable_anonymous(): void }
  mechanisms.enable_anonymous()
  const canned = rhea.message.encode({
    body: rhea.message.data_section(
      Buffer.from(JSON.stringify({ event_type: "resource_created", padding: "x".repeat(980) })),
    ),
    message_id: "canned",
    message_annotations: {
      "x-opt-sequence-number": 1,
      "x-opt-enqueued-time": new Date(),
      "x-opt-locked-until": new Date(Date.now() + 3_600_000),
    },
  } as never)
  const replyLinks = new Map<string, Sender>()
  const pump = (sender: Sender) => {
    while (sender.sendable()) sender.send(canned, randomBytes(16), 0)
  }
  container.on("sender_open", (context: EventContext) => {
    const sender = context.sender as Sender
    const remote = (
      sender as unknown as { remote: { attach: { source?: { address?: string }; snd_settle_mode?: number } } }
    ).remote.attach
    sender.set_source({ address: remote.source?.address ?? "" })
    const local = (sender as unknown as { local: { attach: Record<string, unknown> } }).local.attach
    local.max_message_size = 256 * 1024
    local.snd_settle_mode = remote.snd_settle_mode
    local.rcv_settle_mode = remote.snd_settle_mode === 1 ? 0 : 1
    if (remote.source?.address === "$cbs" || remote.source?.address?.endsWith("$management")) {
      replyLinks.set(sender.name, sender)
      return
    }
    sender.on("sendable", () => pump(sender))
    sender.on("sender_flow", () => pump(sender))
    sender.on("sender_draining", () => sender.set_drained(true))
    sender.on("accepted", (c: EventContext) => {
      c.delivery?.update(
        true,
        (rhea.message as unknown as { accepted(): { described(): unknown } }).accepted().described(),
      )
      ;(c.delivery as unknown as { remote_settled: boolean }).remote_settled = true
    })
  })
  container.on("receiver_open", (context: EventContext) => {
    const receiver = context.receiver
    if (receiver === undefined) return
    const remote = (receiver as unknown as { remote: { attach: { target?: { address?: string } } } }).remote.attach
    receiver.set_target({ address: remote.target?.address ?? "" })
    ;(receiver as unknown as { local: { attach: Record<string, unknown> } }).local.attach.max_message_size = 256 * 1024
    receiver.on("message", (c: EventContext) => {
      const request = c.message
      if (remote.target?.address === "$cbs" && request !== undefined) {
        replyLinks.get(String(request.reply_to))?.send({
          correlation_id: request.message_id as string,
          application_properties: { "status-code": 202, "status-description": "Accepted" },
          body: null,
        })
      }
      c.delivery?.accept()
    })
  })
  container.on("error", () => undefined)
  const sockets = new Set<Socket>()
  // Same transport handling as the emulator (Nagle off, one vectored write per rhea pass), so that the ratio
  // measures the broker's work rather than socket handling.
  const server = createServer((socket) => {
    socket.setNoDelay(true)
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
    const connection = container.create_connection({ autoaccept: false } as never)
    batchSocketWrites(connection, socket)
    ;(connection as unknown as { accept(socket: Socket): void }).accept(socket)
  })
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, () => resolve()))
  const port = (server.address() as AddressInfo).port
  return {
    connectionString: `Endpoint=sb://127.0.0.1:${port};SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true;`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
