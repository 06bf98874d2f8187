import { hostname as machineHostname } from "node:os"
import { AmqpServer } from "./amqp/AmqpServer.ts"
import type { SharedAccessPolicy } from "./amqp/sharedAccessSignature.ts"
import { amqpPayloadCodec } from "./amqp/storedPayload.ts"
import { Broker } from "./broker/Broker.ts"
import type { ConfigJson } from "./config/ConfigJson.ts"
import type { EmulatorConfig } from "./config/EmulatorConfig.ts"
import { defaultConfigPath, loadConfigFile } from "./config/loadConfig.ts"
import { parseConfig } from "./config/parseConfig.ts"
import { type HealthReport, serveHealth, startHealthServer } from "./http/health.ts"
import { createLogger, type LogLevel } from "./log.ts"
import { ManagementApi } from "./management-http/ManagementApi.ts"
import { openDataDirectory } from "./persistence/DataDirectory.ts"
import type { FsyncPolicy } from "./persistence/DurableJournal.ts"
import { resolveTls, type TlsSettings } from "./tls/resolveTls.ts"
import { TransportListener, webSocketPath } from "./transport/TransportListener.ts"

/** The official emulator's fixed credentials; any SDK sample written for it works unchanged. */
export const defaultSharedAccessKeyName = "RootManageSharedAccessKey"
export const defaultSharedAccessKey = "SAS_KEY_VALUE"

export interface EmulatorOptions extends TlsSettings {
  /** A configuration in the official Config.json format; wins over `configPath`. */
  readonly config?: ConfigJson
  /** A Config.json file; without `config` and `configPath` the shipped default (topic `agent-logs`) is used. */
  readonly configPath?: string
  /** Interface to listen on; 127.0.0.1 by default. */
  readonly host?: string
  /** AMQP port; 0 (the default) picks a free one. */
  readonly port?: number
  /** When set, `GET /health` is served on this port (0 picks a free one). */
  readonly httpPort?: number
  /** "silent" by default in-process. */
  readonly logLevel?: LogLevel
  /** Receives each JSON log line; standard error by default. */
  readonly logSink?: (line: string) => void
  readonly sharedAccessKeyName?: string
  readonly sharedAccessKey?: string
  /**
   * Extra host names clients reach the emulator by (a Docker service name, a namespace FQDN): CBS tokens may name
   * them as audience, and a generated certificate covers them. `localhost`, 127.0.0.1, ::1 and `host` always count.
   */
  readonly hostnames?: ReadonlyArray<string>
  /** A connection must finish its TLS, WebSocket and AMQP handshakes within this time (default 10 s). */
  readonly handshakeTimeoutMs?: number
  /** The AMQP max-frame-size advertised and enforced (default 65536, as Service Bus). */
  readonly maxFrameSize?: number
  /**
   * Keeps entities, messages, scheduled messages, dead letters and sequence numbers in this directory across
   * restarts (created if missing). Without it everything lives in memory.
   */
  readonly dataDir?: string
  /** With `dataDir`: "always" (default) syncs the journal before acknowledging a send; "never" only writes it. */
  readonly fsync?: FsyncPolicy
  /** With `dataDir`: the journal is compacted into a snapshot once it is this large (64 MiB by default). */
  readonly journalCompactionBytes?: number
}

export interface RunningEmulator {
  /** `Endpoint=sb://<host>:<port>;SharedAccessKeyName=…;SharedAccessKey=…;UseDevelopmentEmulator=true;` */
  readonly connectionString: string
  readonly host: string
  readonly port: number
  readonly httpPort?: number
  readonly config: EmulatorConfig
  /** With TLS: `Endpoint=sb://<host>:<port>;…` without `UseDevelopmentEmulator`, so clients use AMQPS on the port. */
  readonly tlsConnectionString?: string
  /** With a generated certificate: the PEM certificate of the authority that signed it, for clients to trust. */
  readonly ca?: string
  /** Where `ca` was written (`caOut`). */
  readonly caPath?: string
  /** AMQP over WebSockets: `wss://<host>:<port>/$servicebus/websocket` with TLS, `ws://…` without. */
  readonly webSocketUrl: string
  /** Ends client connections, frees the ports and stops all timers. */
  close(): Promise<void>
}

const resolveConfig = (options: EmulatorOptions): EmulatorConfig => {
  if (options.config !== undefined) return parseConfig(options.config)
  return loadConfigFile(options.configPath ?? defaultConfigPath)
}

const wildcardHosts = new Set(["0.0.0.0", "::"])

const clientHost = (host: string): string => (wildcardHosts.has(host) ? "127.0.0.1" : host)

const urlHost = (host: string): string => (host.includes(":") ? `[${host}]` : host)

// After asking clients to close, sockets still open after this long are destroyed.
const closeGraceMs = 250
/** Frames up to the client's open (SASL, the open with its properties) are small; 8 KB leaves room to spare. */
const handshakeFrameLimit = 8 * 1024

/** Starts an in-process Service Bus emulator that `@azure/service-bus` connects to with the returned string. */
export const startEmulator = async (options: EmulatorOptions = {}): Promise<RunningEmulator> => {
  const config = resolveConfig(options)
  const host = options.host ?? "127.0.0.1"
  const logger = createLogger(
    options.logSink === undefined
      ? { level: options.logLevel ?? "silent" }
      : { level: options.logLevel ?? "silent", write: options.logSink },
  )
  const policy: SharedAccessPolicy = {
    keyName: options.sharedAccessKeyName ?? defaultSharedAccessKeyName,
    key: options.sharedAccessKey ?? defaultSharedAccessKey,
  }
  const hostnames = [
    ...new Set([clientHost(host), "localhost", "127.0.0.1", "::1", ...(options.hostnames ?? [])]),
    ...(wildcardHosts.has(host) ? [machineHostname()] : []),
  ]
  const tls = resolveTls(options, hostnames)
  const maxFrameSize = options.maxFrameSize ?? 65536
  for (const warning of config.warnings) logger.warn("config field has no effect", { ...warning })
  const durable =
    options.dataDir === undefined
      ? undefined
      : openDataDirectory(
          config,
          {
            path: options.dataDir,
            fsync: options.fsync ?? "always",
            codec: amqpPayloadCodec,
            logger: logger.child({ component: "storage" }),
            ...(options.journalCompactionBytes === undefined ? {} : { compactAtBytes: options.journalCompactionBytes }),
          },
          { logger },
        )
  const broker = durable?.broker ?? new Broker(config, { logger })
  const management = new ManagementApi({
    broker,
    policies: [policy],
    logger: logger.child({ component: "management" }),
    namespaceName: config.namespace.name,
  })
  const amqp = new AmqpServer({
    broker,
    policies: [policy],
    hostnames: new Set(hostnames.map((name) => name.toLowerCase())),
    logger,
    maxFrameSize,
    handshakeFrameLimit,
  })
  const report = (): HealthReport => ({
    status: "healthy",
    amqpPort: port,
    connections: amqp.connectionCount,
    queues: broker.queues.size,
    topics: broker.topics.size,
    messages: broker.stores().reduce((sum, store) => sum + store.messageCount, 0),
  })
  const listener = new TransportListener({
    ...(tls === undefined ? {} : { tls: tls.options }),
    onAmqp: (stream, info) => amqp.accept(stream, info),
    // The management API is reached with the data plane's connection string: SDKs send it to its host and port.
    onHttp: (request, response) => {
      if (!serveHealth(request, response, report)) management.handle(request, response)
    },
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? 10_000,
    maxWebSocketMessageBytes: Math.max(1024 * 1024, 4 * maxFrameSize),
    logger,
  })
  const closeTransport = async () => {
    const stopped = listener.stopAccepting()
    amqp.closeConnections()
    await listener.drain(closeGraceMs)
    amqp.dispose()
    await stopped
  }
  let port: number
  try {
    port = await listener.listen(host, options.port ?? 0)
  } catch (error) {
    await closeTransport()
    await durable?.close()
    broker.close()
    throw error
  }
  let health: Awaited<ReturnType<typeof startHealthServer>> | undefined
  if (options.httpPort !== undefined) {
    try {
      health = await startHealthServer(host, options.httpPort, report, management.handle)
    } catch (error) {
      await closeTransport()
      await durable?.close()
      broker.close()
      throw error
    }
  }
  const endpoint = `${urlHost(clientHost(host))}:${port}`
  const credentials = `SharedAccessKeyName=${policy.keyName};SharedAccessKey=${policy.key};`
  const connectionString = `Endpoint=sb://${endpoint};${credentials}UseDevelopmentEmulator=true;`
  const webSocketUrl = `${tls === undefined ? "ws" : "wss"}://${endpoint}${webSocketPath}`
  logger.info("emulator started", {
    host,
    port,
    tls: tls !== undefined,
    httpPort: health?.port,
    queues: [...broker.queues.values()].map((q) => q.name),
    topics: [...broker.topics.values()].map((t) => t.name),
  })
  let closed: Promise<void> | undefined
  const close = () => {
    closed ??= (async () => {
      await Promise.all([closeTransport(), health?.close()])
      await durable?.close()
      broker.close()
      logger.info("emulator stopped", { port })
    })()
    return closed
  }
  return {
    connectionString,
    host,
    port,
    config,
    webSocketUrl,
    close,
    ...(health === undefined ? {} : { httpPort: health.port }),
    ...(tls === undefined ? {} : { tlsConnectionString: `Endpoint=sb://${endpoint};${credentials}` }),
    ...(tls?.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls?.caPath === undefined ? {} : { caPath: tls.caPath }),
  }
}
