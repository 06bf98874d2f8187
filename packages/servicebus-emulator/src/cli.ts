#!/usr/bin/env node
import { parseArgs } from "node:util"
import { ConfigError } from "./config/ConfigError.ts"
import { isLogLevel, type LogLevel, logLevels } from "./log.ts"
import { startEmulator } from "./startEmulator.ts"

const usage = `Usage: servicebus-emulator [options]

Runs a Docker-free Azure Service Bus emulator (AMQP 1.0) that @azure/service-bus connects to.

Options:
  --config <path>      Config.json in the official emulator's format (default: topic agent-logs,
                       subscription orchestrator-sub)
  --host <address>     interface to listen on (default 127.0.0.1)
  --port <n>           AMQP port (default 5672; 0 picks a free port)
  --http-port <n>      port of GET /health and the management API (default 5300; 0 picks a free port)
  --log-level <level>  ${logLevels.join(" | ")} (default info)
  --key-name <name>    shared access key name (default RootManageSharedAccessKey)
  --tls                also serve AMQPS, HTTPS and secure WebSockets on the port, with a generated certificate
  --cert <path>        PEM certificate to serve instead of a generated one (implies --tls; needs --key)
  --key <path>         PEM private key of --cert
  --ca-out <path>      write the generated certificate's authority (PEM) here, for clients to trust
  --hostname <name>    another name clients reach the emulator by (token audiences, the generated
                       certificate); repeatable
  --data-dir <path>    keep entities and messages in this directory across restarts (default: in memory)
  --fsync <policy>     with --data-dir: always (sync before acknowledging a send; default) | never
  -h, --help           show this help

The port serves plain AMQP (the connection string with UseDevelopmentEmulator=true), AMQP over WebSockets
at /$servicebus/websocket and, with --tls, AMQPS and secure WebSockets. On start, one JSON line with the
connection strings and the chosen ports is printed to standard output; logs go to standard error as JSON lines.`

const port = (flag: string, text: string | undefined, fallback: number): number => {
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new Error(`${flag} expects a port number between 0 and 65535, got ${JSON.stringify(text)}`)
  }
  return value
}

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    // `pnpm start -- --port 0` passes the `--` on.
    args: process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === "--")),
    options: {
      config: { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      "http-port": { type: "string" },
      "log-level": { type: "string" },
      "key-name": { type: "string" },
      tls: { type: "boolean" },
      cert: { type: "string" },
      key: { type: "string" },
      "ca-out": { type: "string" },
      hostname: { type: "string", multiple: true },
      "data-dir": { type: "string" },
      fsync: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  })
  if (values.help === true) {
    process.stdout.write(`${usage}\n`)
    return
  }
  const logLevel = values["log-level"] ?? "info"
  if (!isLogLevel(logLevel)) throw new Error(`--log-level expects one of ${logLevels.join(", ")}, got ${logLevel}`)
  const fsync = values.fsync ?? "always"
  if (fsync !== "always" && fsync !== "never") throw new Error(`--fsync expects always or never, got ${fsync}`)
  if (values.fsync !== undefined && values["data-dir"] === undefined) throw new Error("--fsync needs --data-dir")
  // The key itself comes from the environment so it stays out of process listings.
  const sharedAccessKey = process.env.SERVICEBUS_EMULATOR_KEY
  const emulator = await startEmulator({
    ...(values.config === undefined ? {} : { configPath: values.config }),
    host: values.host ?? "127.0.0.1",
    port: port("--port", values.port, 5672),
    httpPort: port("--http-port", values["http-port"], 5300),
    logLevel: logLevel as LogLevel,
    ...(values["key-name"] === undefined ? {} : { sharedAccessKeyName: values["key-name"] }),
    ...(sharedAccessKey === undefined || sharedAccessKey === "" ? {} : { sharedAccessKey }),
    ...(values.tls === true ? { tls: true } : {}),
    ...(values.cert === undefined ? {} : { cert: values.cert }),
    ...(values.key === undefined ? {} : { key: values.key }),
    ...(values["ca-out"] === undefined ? {} : { caOut: values["ca-out"] }),
    ...(values.hostname === undefined ? {} : { hostnames: values.hostname }),
    ...(values["data-dir"] === undefined ? {} : { dataDir: values["data-dir"], fsync }),
  })
  process.stdout.write(
    `${JSON.stringify({
      event: "ready",
      connectionString: emulator.connectionString,
      host: emulator.host,
      port: emulator.port,
      httpPort: emulator.httpPort,
      webSocketUrl: emulator.webSocketUrl,
      tlsConnectionString: emulator.tlsConnectionString,
      caPath: emulator.caPath,
    })}\n`,
  )
  const stop = () => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once("SIGINT", stop)
  process.once("SIGTERM", stop)
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error)
  process.stderr.write(`servicebus-emulator: ${message}\n`)
  process.exit(error instanceof ConfigError ? 2 : 1)
})
