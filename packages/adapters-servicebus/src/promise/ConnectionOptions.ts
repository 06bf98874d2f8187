import type { TokenCredential } from "@azure/identity"
import {
  connectionString,
  namespace,
  ServiceBusConfigInvalid,
  type ServiceBusConnection,
} from "../ServiceBusConnection.ts"

/** Either a connection string, or a namespace with an Entra ID credential (default `DefaultAzureCredential`). */
export type ConnectionOptions =
  | { readonly connectionString: string; readonly fullyQualifiedNamespace?: undefined }
  | {
      readonly fullyQualifiedNamespace: string
      readonly credential?: TokenCredential
      readonly connectionString?: undefined
    }

export const toConnection = (options: ConnectionOptions): ServiceBusConnection => {
  if (typeof options.connectionString === "string" && options.connectionString.length > 0) {
    return connectionString(options.connectionString)
  }
  if (typeof options.fullyQualifiedNamespace === "string" && options.fullyQualifiedNamespace.length > 0) {
    return namespace(options.fullyQualifiedNamespace, "credential" in options ? options.credential : undefined)
  }
  throw new ServiceBusConfigInvalid({
    code: "ConfigInvalid",
    message: "Give either connectionString, or fullyQualifiedNamespace (with an optional credential)",
  })
}
