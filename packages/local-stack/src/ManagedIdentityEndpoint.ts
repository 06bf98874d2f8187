import { randomBytes } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/** The identity protocol's version that App Service and Container Apps serve (`IDENTITY_ENDPOINT`). */
export const MANAGED_IDENTITY_API_VERSION = "2019-08-01"

export interface ManagedIdentityEndpointOptions {
  /**
   * Client ids of the user-assigned identities "assigned" to this host. A request naming another client id is refused
   * as Azure refuses it (400). Default: none.
   */
  readonly userAssigned?: ReadonlyArray<string>
  /** Whether a request without a client id gets a token of a system-assigned identity (default false). */
  readonly systemAssigned?: boolean
  /** Interface to listen on (default 127.0.0.1); `0.0.0.0` for clients in containers on a bridge network. */
  readonly host?: string
  /** Token lifetime in seconds (default one hour). */
  readonly lifetimeSeconds?: number
}

/** One token the endpoint issued. */
export interface IssuedToken {
  readonly token: string
  /** The resource (audience) asked for, e.g. `https://monitor.azure.com/`. */
  readonly resource: string
  /** The user-assigned identity's client id, or `undefined` for the system-assigned identity. */
  readonly clientId: string | undefined
}

/** One request the endpoint answered. */
export interface IdentityRequest {
  readonly status: number
  readonly resource: string | undefined
  readonly clientId: string | undefined
  readonly apiVersion: string | undefined
}

export interface ManagedIdentityEndpoint {
  /** `http://<host>:<port>/msi/token`: the value of `IDENTITY_ENDPOINT`. */
  readonly endpoint: string
  /** The value of `IDENTITY_HEADER`: the secret every request must carry in `X-IDENTITY-HEADER`. */
  readonly header: string
  /** `IDENTITY_ENDPOINT` and `IDENTITY_HEADER`, as the platform sets them for the application. */
  readonly environment: { readonly IDENTITY_ENDPOINT: string; readonly IDENTITY_HEADER: string }
  readonly port: number
  readonly issued: () => ReadonlyArray<IssuedToken>
  readonly requests: () => ReadonlyArray<IdentityRequest>
  /** The token issued, if any, as `Authorization: Bearer <token>` names it. */
  readonly tokenOf: (token: string) => IssuedToken | undefined
  /** Stops listening. Idempotent. */
  readonly close: () => Promise<void>
}

const reply = (response: ServerResponse, status: number, body: Record<string, unknown>) => {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body))
}

/**
 * The local managed identity endpoint of Azure App Service and Container Apps (`IDENTITY_ENDPOINT` with the
 * `X-IDENTITY-HEADER` secret, API version 2019-08-01), on 127.0.0.1 with an ephemeral port: with its `environment`
 * set, `ManagedIdentityCredential` and `DefaultAzureCredential` get their tokens here. Tokens are opaque random
 * strings; `issued()` says which identity and resource each was for, so a peer can check the bearer it receives.
 */
export const startManagedIdentityEndpoint = async (
  options: ManagedIdentityEndpointOptions = {},
): Promise<ManagedIdentityEndpoint> => {
  const header = randomBytes(16).toString("hex")
  const userAssigned = new Set((options.userAssigned ?? []).map((id) => id.toLowerCase()))
  const lifetime = options.lifetimeSeconds ?? 3_600
  const issued: Array<IssuedToken> = []
  const requests: Array<IdentityRequest> = []

  const answer = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://localhost")
    const resource = url.searchParams.get("resource") ?? undefined
    const clientId = url.searchParams.get("client_id") ?? undefined
    const apiVersion = url.searchParams.get("api-version") ?? undefined
    const refuse = (status: number, error: string, description: string) => {
      requests.push({ status, resource, clientId, apiVersion })
      reply(response, status, { error, error_description: description })
    }
    if (request.method !== "GET" || url.pathname !== "/msi/token") return refuse(404, "not_found", "no such endpoint")
    if (request.headers["x-identity-header"] !== header) {
      return refuse(401, "unauthorized", "X-IDENTITY-HEADER is missing or wrong")
    }
    if (apiVersion !== MANAGED_IDENTITY_API_VERSION) {
      return refuse(400, "invalid_request", `api-version must be ${MANAGED_IDENTITY_API_VERSION}`)
    }
    if (resource === undefined || resource === "") return refuse(400, "invalid_request", "resource is required")
    if (url.searchParams.has("mi_res_id") || url.searchParams.has("principal_id")) {
      return refuse(400, "invalid_request", "only client_id selects a user-assigned identity here")
    }
    if (clientId === undefined ? options.systemAssigned !== true : !userAssigned.has(clientId.toLowerCase())) {
      return refuse(400, "invalid_request", `Identity not found: ${clientId ?? "no system-assigned identity"}`)
    }
    const token = `mi-${randomBytes(24).toString("base64url")}`
    issued.push({ token, resource, clientId })
    requests.push({ status: 200, resource, clientId, apiVersion })
    reply(response, 200, {
      access_token: token,
      expires_on: String(Math.floor(Date.now() / 1000) + lifetime),
      resource,
      token_type: "Bearer",
      ...(clientId === undefined ? {} : { client_id: clientId }),
    })
  }

  const server = createServer(answer)
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, options.host ?? "127.0.0.1", () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const shownHost = options.host === undefined || options.host === "0.0.0.0" ? "127.0.0.1" : options.host
  const endpoint = `http://${shownHost}:${port}/msi/token`
  let closed: Promise<void> | undefined
  return {
    endpoint,
    header,
    environment: { IDENTITY_ENDPOINT: endpoint, IDENTITY_HEADER: header },
    port,
    issued: () => [...issued],
    requests: () => [...requests],
    tokenOf: (token) => issued.find((entry) => entry.token === token),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return closed
    },
  }
}
