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

/**
 * Validates `SharedAccessSignature sr=<url-encoded resource>&sig=<url-encoded base64 HMAC>&se=<unix seconds>&skn=<name>`
 * the way Service Bus does: HMAC-SHA256 keyed with the key string over `sr` (as written in the token) + "\n" + `se`.
 * The returned scope is the resource's entity path ("" for the whole namespace).
 */
export const checkSharedAccessSignature = (
  token: string,
  policies: ReadonlyArray<SharedAccessPolicy>,
  nowMs: number,
): TokenCheck => {
  const fields = parseFields(token)
  const resource = fields?.get("sr")
  const signature = fields?.get("sig")
  const expiry = fields?.get("se")
  const keyName = fields?.get("skn")
  if (fields === undefined || resource === undefined || signature === undefined || expiry === undefined) {
    return { ok: false, reason: "InvalidToken: the token is not a SharedAccessSignature with sr, sig and se." }
  }
  const policy = policies.find((p) => p.keyName === (keyName === undefined ? undefined : safeDecode(keyName)))
  if (policy === undefined) {
    return { ok: false, reason: `InvalidSignature: no shared access policy named '${keyName ?? ""}' exists.` }
  }
  const expected = createHmac("sha256", policy.key).update(`${resource}\n${expiry}`).digest()
  const given = Buffer.from(safeDecode(signature) ?? "", "base64")
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: "InvalidSignature: The token has an invalid signature." }
  }
  const expiresAtMs = Number(expiry) * 1000
  if (!Number.isFinite(expiresAtMs) || expiresAtMs <= nowMs) {
    return {
      ok: false,
      reason: `ExpiredToken: The token is expired. Expiration time: '${
        Number.isFinite(expiresAtMs) ? new Date(expiresAtMs).toISOString() : expiry
      }'.`,
    }
  }
  const decodedResource = safeDecode(resource)
  if (decodedResource === undefined) return { ok: false, reason: "InvalidToken: the token's resource is malformed." }
  return { ok: true, expiresAtMs, scope: entityPathOf(decodedResource).toLowerCase() }
}

/** True when a token issued for `scope` grants access to `entityPath` (same path or an ancestor). */
export const scopeCovers = (scope: string, entityPath: string): boolean =>
  scope === "" || entityPath === scope || entityPath.startsWith(`${scope}/`)
