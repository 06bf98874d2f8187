import type { IncomingMessage } from "node:http"
import { checkSharedAccessSignature, type SharedAccessPolicy, scopeCovers } from "../amqp/sharedAccessSignature.ts"
import { ManagementError } from "./ManagementError.ts"

const safeDecode = (text: string): string => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

const hostOf = (resource: string): string | undefined => /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(resource)?.[1]

/**
 * Checks the request's `Authorization: SharedAccessSignature …` header as Service Bus does: a valid signature of a
 * known policy, not expired, for a resource on this host that covers the requested path (the JS SDK signs the full
 * request URL, the Python SDK the namespace). Throws 401 otherwise.
 */
export const authorizeRequest = (
  request: IncomingMessage,
  path: string,
  policies: ReadonlyArray<SharedAccessPolicy>,
  nowMs: number,
): void => {
  const header = request.headers.authorization
  if (header === undefined || header === "") {
    throw new ManagementError(
      401,
      "MissingToken: The request has no Authorization header with a SharedAccessSignature.",
    )
  }
  const check = checkSharedAccessSignature(header, policies, nowMs)
  if (!check.ok) throw new ManagementError(401, check.reason)
  const field = header.split(/[ &]/).find((part) => part.startsWith("sr="))
  const resource = decodeURIComponent(field?.slice(3) ?? "")
  const tokenHost = hostOf(resource) ?? resource.split("/")[0]
  const requestHost = request.headers.host ?? ""
  if (tokenHost !== undefined && tokenHost !== "" && tokenHost.toLowerCase() !== requestHost.toLowerCase()) {
    throw new ManagementError(401, `InvalidAudience: the token is for '${tokenHost}', not for '${requestHost}'.`)
  }
  // The token's resource is the request URL, itself percent-encoded: decode its path like the request's.
  const scope = safeDecode(check.scope.split("?")[0] ?? "").replace(/\/+$/, "")
  if (!scopeCovers(scope, path.toLowerCase())) {
    throw new ManagementError(401, `InvalidAudience: the token for '${scope}' does not grant access to '${path}'.`)
  }
}
