import { createHmac, timingSafeEqual } from "node:crypto"
import { entityPathOf } from "../broker/Broker.ts"

/** A SAS policy clients may sign tokens with (Service Bus "shared access authorization rule"). */
export interface SharedAccessPolicy {
  readonly keyName: string
  readonly key: string
}

export type TokenCheck =
  | { readonly ok: true; readonly expiresAtMs: number; readonly scope: string }
  | { readonly ok: false; readonly reason: string }

const refused = (reason: string): TokenCheck => ({ ok: false, reason })

const parseFields = (token: string): Map<string, string> | undefined => {
  const prefix = "SharedAccessSignature "
  if (!token.startsWith(prefix)) return undefined
  const fields = new Map<string, string>()
  for (const part of token.slice(prefix.length).split("&")) {
    const eq = part.indexOf("=")
    if (eq <= 0) return undefined
    fields.set(part.slice(0, eq), part.slice(eq + 1))
  }
  return fields
}

const safeDecode = (text: string): string | undefined => {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}

/** Latest expiry a token may carry: the largest instant a JavaScript Date holds. */
const maxExpirySeconds = 8_640_000_000_000

/**
 * The host an `sb://host[:port]/path` address names, lower-cased and without brackets; undefined when the address
 * is not such a URL.
 */
export const hostOf = (address: string): string | undefined => {
  const match = /^[a-z][a-z0-9+.-]*:\/\/(\[[^\]]*\]|[^/:?#]*)/i.exec(address)
  const host = match?.[1]
  if (host === undefined || host === "") return undefined
  return (host.startsWith("[") ? host.slice(1, -1) : host).toLowerCase()
}

/**
 * Validates `SharedAccessSignature sr=<url-encoded resource>&sig=<url-encoded base64 HMAC>&se=<unix seconds>&skn=<name>`
 * the way Service Bus does: HMAC-SHA256 keyed with the key string over `sr` (as written in the token) + "\n" + `se`.
 * With `hostnames`, the resource must be an address on one of them (this namespace's names). The returned scope is the
 * resource's entity path ("" for the whole namespace). Never throws: every malformed token is a refusal with its
 * reason.
 */
export const checkSharedAccessSignature = (
  token: string,
  policies: ReadonlyArray<SharedAccessPolicy>,
  nowMs: number,
  hostnames?: ReadonlySet<string>,
): TokenCheck => {
  const fields = parseFields(token)
  const resource = fields?.get("sr")
  const signature = fields?.get("sig")
  const expiry = fields?.get("se")
  const keyName = fields?.get("skn")
  if (fields === undefined || resource === undefined || signature === undefined || expiry === undefined) {
    return refused("InvalidToken: the token is not a SharedAccessSignature with sr, sig and se.")
  }
  if (!/^\d{1,16}$/.test(expiry) || Number(expiry) > maxExpirySeconds) {
    return refused("InvalidToken: the token's expiry (se) is not a time in seconds since 1970.")
  }
  const policy = policies.find((p) => p.keyName === (keyName === undefined ? undefined : safeDecode(keyName)))
  if (policy === undefined) {
    return refused(`InvalidSignature: no shared access policy named '${keyName ?? ""}' exists.`)
  }
  const expected = createHmac("sha256", policy.key).update(`${resource}\n${expiry}`).digest()
  const given = Buffer.from(safeDecode(signature) ?? "", "base64")
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return refused("InvalidSignature: The token has an invalid signature.")
  }
  const expiresAtMs = Number(expiry) * 1000
  if (expiresAtMs <= nowMs) {
    return refused(`ExpiredToken: The token is expired. Expiration time: '${new Date(expiresAtMs).toISOString()}'.`)
  }
  const decodedResource = safeDecode(resource)
  if (decodedResource === undefined) return refused("InvalidToken: the token's resource is malformed.")
  const host = hostOf(decodedResource)
  if (hostnames !== undefined && (host === undefined || !hostnames.has(host))) {
    return refused(`InvalidAudience: the token's resource '${decodedResource}' is not an address of this namespace.`)
  }
  return { ok: true, expiresAtMs, scope: entityPathOf(decodedResource).toLowerCase() }
}

/** True when a token issued for `scope` grants access to `entityPath` (same path or an ancestor). */
export const scopeCovers = (scope: string, entityPath: string): boolean =>
  scope === "" || entityPath === scope || entityPath.startsWith(`${scope}/`)
