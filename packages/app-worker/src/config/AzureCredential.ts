import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from "@azure/identity"
import { Option } from "effect"

/**
 * How the worker signs in to Microsoft Entra ID wherever it has no connection string: a Service Bus namespace, a
 * storage account URL, the Logs Ingestion API. One credential serves all three (and caches their tokens).
 */
export type AzureCredentialChoice =
  /** `DefaultAzureCredential`: environment, workload identity, managed identity (honours `AZURE_CLIENT_ID`), CLI, … */
  | { readonly _tag: "Default" }
  /**
   * `ManagedIdentityCredential` and nothing else, as Microsoft advises for production: the user-assigned identity
   * with this client id, or the system-assigned identity without one. Fails fast where there is no managed identity
   * instead of trying developer sign-ins.
   */
  | { readonly _tag: "ManagedIdentity"; readonly clientId: Option.Option<string> }

export const AZURE_CREDENTIAL_MODES = ["default", "managed-identity"] as const

export const azureCredential = (choice: AzureCredentialChoice): TokenCredential =>
  choice._tag === "Default"
    ? new DefaultAzureCredential()
    : Option.match(choice.clientId, {
        onNone: () => new ManagedIdentityCredential(),
        onSome: (clientId) => new ManagedIdentityCredential({ clientId }),
      })
