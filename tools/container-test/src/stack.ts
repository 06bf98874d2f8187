import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { streamDeclarations } from "@haymaker/adapters-sinks"
import {
  type AzuritePeer,
  type LogsIngestionServerProcess,
  type ManagedIdentityEndpoint,
  startAzurite,
  startLogsIngestionServerProcess,
  startManagedIdentityEndpoint,
} from "@haymaker/local-stack"
import { MAX_BODY_BYTES } from "./agentTraffic.ts"
import { type EmulatorProcess, startEmulatorProcess } from "./emulatorProcess.ts"

export const RULE_ID = "dcr-0000000000000000000000000000c0de"
/** The user-assigned identity the workers run as. */
export const CLIENT_ID = "3f9a1c2e-5b7d-4e8f-a0b1-c2d3e4f5a6b7"
export const ARCHIVE_CONTAINER = "haymaker-events"

export interface LocalStack {
  readonly directory: string
  readonly emulator: EmulatorProcess
  readonly azurite: AzuritePeer
  readonly logsIngestion: LogsIngestionServerProcess
  readonly identity: ManagedIdentityEndpoint
  /** The Logs Ingestion server's certificate, readable by the containers' user. */
  readonly caPath: string
  /**
   * The worker's environment, as an operator sets it: the namespace by connection string (the emulator takes SAS
   * only), the archive by Azurite's connection string (plain HTTP takes no bearer token), Log Analytics through the
   * managed identity, as Container Apps provides it (IDENTITY_ENDPOINT, IDENTITY_HEADER, AZURE_CLIENT_ID).
   */
  readonly workerEnv: Readonly<Record<string, string>>
  readonly close: () => Promise<void>
}

export interface LocalStackOptions {
  readonly lockDuration: string
  readonly maxDeliveryCount: number
}

/** The emulator, Azurite, the Logs Ingestion server and a managed identity endpoint on the host's 127.0.0.1. */
export const startLocalStack = async (options: LocalStackOptions): Promise<LocalStack> => {
  const directory = await mkdtemp(join(tmpdir(), "haymaker-container-test-"))
  // The containers' user (uid 10001) reads the CA file through this directory.
  await chmod(directory, 0o755)
  const closers: Array<() => Promise<void>> = []
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined)
    await rm(directory, { recursive: true, force: true })
  }
  try {
    const emulator = await startEmulatorProcess({ directory, ...options })
    closers.push(emulator.close)
    const azurite = await startAzurite()
    closers.push(azurite.close)
    const logsIngestion = await startLogsIngestionServerProcess({
      rules: [{ immutableId: RULE_ID, streamDeclarations: streamDeclarations() }],
    })
    closers.push(logsIngestion.close)
    const identity = await startManagedIdentityEndpoint({ userAssigned: [CLIENT_ID] })
    closers.push(identity.close)
    const caPath = join(directory, "logs-ingestion-ca.pem")
    await writeFile(caPath, logsIngestion.ca, { mode: 0o644 })
    const workerEnv = {
      HAYMAKER_SERVICEBUS_CONNECTION_STRING: emulator.connectionString,
      HAYMAKER_LOGS_INGESTION_ENDPOINT: logsIngestion.endpoint,
      HAYMAKER_LOGS_DCR_IMMUTABLE_ID: RULE_ID,
      HAYMAKER_ARCHIVE_CONNECTION_STRING: azurite.connectionString,
      HAYMAKER_ARCHIVE_CONTAINER: ARCHIVE_CONTAINER,
      HAYMAKER_AZURE_CREDENTIAL: "managed-identity",
      AZURE_CLIENT_ID: CLIENT_ID,
      ...identity.environment,
      NODE_EXTRA_CA_CERTS: caPath,
      HAYMAKER_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      HAYMAKER_LOG_LEVEL: process.env.CONTAINER_TEST_LOG_LEVEL ?? "Info",
    }
    return { directory, emulator, azurite, logsIngestion, identity, caPath, workerEnv, close }
  } catch (error) {
    await close()
    throw error
  }
}
