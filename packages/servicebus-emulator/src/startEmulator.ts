import { AmqpServer } from "./amqp/AmqpServer.ts"
import type { SharedAccessPolicy } from "./amqp/sharedAccessSignature.ts"
import { Broker } from "./broker/Broker.ts"
import type { ConfigJson } from "./config/ConfigJson.ts"
import type { EmulatorConfig } from "./config/EmulatorConfig.ts"
import { defaultConfigPath, loadConfigFile } from "./config/loadConfig.ts"
import { parseConfig } from "./config/parseConfig.ts"
import { startHealthServer } from "./http/health.ts"
import { createLogger, type LogLevel } from "./log.ts"
import { ManagementApi } from "./management-http/ManagementApi.ts"

/** The official emulator's fixed credentials; any SDK sample written for it works unchanged. */
export const defaultSharedAccessKeyName = "RootManageSharedAccessKey"
export const defaultSharedAccessKey = "SAS_KEY_VALUE"

export interface EmulatorOptions {
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
}

export interface RunningEmulator {
  /** `Endpoint=sb://<host>:<port>;SharedAccessKeyName=…;SharedAccessKey=…;UseDevelopmentEmulator=true;` */
  readonly connectionString: string
  readonly host: string
  readonly port: number
  readonly httpPort?: number
  readonly config: EmulatorConfig
  /** Ends client connections, frees the ports and stops all timers. */
  close(): Promise<void>
}

const resolveConfig = (options: EmulatorOptions): EmulatorConfig => {
  if (options.config !== undefined) return parseConfig(options.config)
  return loadConfigFile(options.configPath ?? defaultConfigPath)
}

const clientHost = (host: string): string => (host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host)

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
  for (const warning of config.warnings) logger.warn("config field has no effect", { ...warning })
  const broker = new Broker(config, { logger })
  const management = new ManagementApi({
    broker,
    policies: [policy],
    logger: logger.child({ component: "management" }),
    namespaceName: config.namespace.name,
  })
  const amqp = new AmqpServer({ broker, policies: [policy], logger, httpHandler: management.handle })
  let port: number
  try {
    port = await amqp.listen(host, options.port ?? 0)
  } catch (error) {
    broker.close()
    throw error
  }
  let health: Awaited<ReturnType<typeof startHealthServer>> | undefined
  if (options.httpPort !== undefined) {
    try {
      health = await startHealthServer(
        host,
        options.httpPort,
        () => ({
          status: "healthy",
          amqpPort: port,
          connections: amqp.connectionCount,
          queues: broker.queues.size,
          topics: broker.topics.size,
          messages: broker.stores().reduce((sum, store) => sum + store.messageCount, 0),
        }),
        management.handle,
      )
    } catch (error) {
      await amqp.close()
      broker.close()
      throw error
    }
  }
  const connectionString =
    `Endpoint=sb://${clientHost(host)}:${port};SharedAccessKeyName=${policy.keyName};` +
    `SharedAccessKey=${policy.key};UseDevelopmentEmulator=true;`
  logger.info("emulator started", {
    host,
    port,
    httpPort: health?.port,
    queues: config.namespace.queues.map((q) => q.name),
    topics: config.namespace.topics.map((t) => t.name),
  })
  let closed: Promise<void> | undefined
  const close = () => {
    closed ??= (async () => {
      await Promise.all([amqp.close(), health?.close()])
      broker.close()
      logger.info("emulator stopped", { port })
    })()
    return closed
  }
  return health === undefined
    ? { connectionString, host, port, config, close }
    : { connectionString, host, port, httpPort: health.port, config, close }
}
