import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type ConfigJson, type RunningEmulator, startEmulator } from "@haymaker/servicebus-emulator"

/** What a Python client needs to reach the emulator: over secure WebSockets, trusting the emulator's CA file. */
export interface PythonBus {
  /**
   * `Endpoint=sb://127.0.0.1/;…`: the namespace's host without the port (which `custom_endpoint_address` carries).
   * uamqp drops the port from the link addresses it sends but compares the session receiver's attach with the
   * address that has it, so with a port in the endpoint a session receiver never learns its lock or session id.
   * No UseDevelopmentEmulator: azure-servicebus 7.x does not know it.
   */
  readonly connectionString: string
  /** `Endpoint=sb://127.0.0.1:<port>;…`: the administration client sends HTTPS to this host and port. */
  readonly adminConnectionString: string
  /** `custom_endpoint_address`: where the WebSocket connects. */
  readonly endpoint: string
  /** `connection_verify`: the CA file the emulator wrote. */
  readonly ca: string
}

export interface InteropEmulator {
  readonly emulator: RunningEmulator
  readonly bus: PythonBus
  readonly close: () => Promise<void>
}

/** The emulator with TLS on an ephemeral port, its CA written to a temporary file for Python to trust. */
export const startInteropEmulator = async (config: ConfigJson): Promise<InteropEmulator> => {
  const directory = mkdtempSync(join(tmpdir(), "interop-python-"))
  const emulator = await startEmulator({ config, tls: true, caOut: join(directory, "ca.pem") })
  return {
    emulator,
    bus: {
      connectionString: (emulator.tlsConnectionString ?? "").replace(`:${emulator.port};`, "/;"),
      adminConnectionString: emulator.tlsConnectionString ?? "",
      endpoint: `sb://127.0.0.1:${emulator.port}`,
      ca: emulator.caPath ?? "",
    },
    close: async () => {
      await emulator.close()
      rmSync(directory, { recursive: true, force: true })
    },
  }
}

type NamespaceJson = ConfigJson["UserConfig"]["Namespaces"][number]

/** A one-namespace Config.json with these queues and topics. */
export const namespace = (entities: Pick<NamespaceJson, "Queues" | "Topics">): ConfigJson => ({
  UserConfig: { Namespaces: [{ Name: "sbemulatorns", ...entities }], Logging: { Type: "Console" } },
})
